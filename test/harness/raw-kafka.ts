/**
 * Raw Kafka connections for robustness tests: frames written as they are (valid or not), answers checked against
 * what was sent, the broker's memory sampled from /proc.
 *
 * `RawSession` pipelines request frames on one socket and accounts for every answer: each response must carry the
 * correlation id of the oldest request still waiting for one (Kafka answers in order; an acks=0 Produce is answered
 * by nothing, so a skipped Produce is allowed) and must decode with the response table at the request's version.
 * A session ends when the broker closes the connection, or when nothing has come back for `quietMs` (a long poll
 * parked in purgatory; the session then closes its side).
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { decodeResponseHeader } from '../../src/protocol/header.js';
import type { AnyMessageSpec } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/primitives.js';

export interface SentRequest {
  correlationId: number;
  apiKey: number;
  version: number;
  response: AnyMessageSpec;
}

export interface SessionResult {
  answered: number;
  /** answers that broke the protocol (wrong order, unknown correlation id, undecodable body) */
  violations: string[];
  closedByBroker: boolean;
  /** requests left without an answer when the session ended */
  unanswered: number;
}

export function frameWithSize(frame: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(frame.length);
  return Buffer.concat([size, frame]);
}

/** Sends `frames` pipelined on one connection and accounts for the answers. */
export function rawSession(port: number, frames: ReadonlyArray<{ frame: Buffer; sent: SentRequest }>, opts: { quietMs?: number } = {}): Promise<SessionResult> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const waiting = frames.map((f) => f.sent);
    const result: SessionResult = { answered: 0, violations: [], closedByBroker: false, unanswered: 0 };
    let buf = Buffer.alloc(0);
    let done = false;
    let quiet: NodeJS.Timeout | undefined;
    const finish = (closedByBroker: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(quiet);
      result.closedByBroker = closedByBroker;
      result.unanswered = waiting.length;
      socket.destroy();
      resolve(result);
    };
    const armQuiet = () => {
      clearTimeout(quiet);
      quiet = setTimeout(() => finish(false), opts.quietMs ?? 1500);
    };
    socket.on('connect', () => {
      socket.write(Buffer.concat(frames.map((f) => frameWithSize(f.frame))));
      armQuiet();
    });
    socket.on('data', (chunk: Buffer) => {
      armQuiet();
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const n = buf.readInt32BE(0);
        const frame = buf.subarray(4, 4 + n);
        buf = buf.subarray(4 + n);
        account(frame);
      }
      if (waiting.length === 0) finish(false);
    });
    const account = (frame: Buffer) => {
      const correlationId = frame.length >= 4 ? frame.readInt32BE(0) : NaN;
      // acks=0 Produce requests get no answer: skip them, nothing else
      while (waiting.length > 0 && waiting[0]!.correlationId !== correlationId && waiting[0]!.apiKey === ApiKey.Produce) waiting.shift();
      const req = waiting.shift();
      if (!req || req.correlationId !== correlationId) {
        result.violations.push(`answer with correlation id ${correlationId} while waiting for ${req ? `${req.correlationId} (api ${req.apiKey} v${req.version})` : 'nothing'}`);
        return;
      }
      try {
        const r = new Reader(frame);
        decodeResponseHeader(r, req.apiKey, req.response.isFlexible(req.version));
        req.response.decode(r, req.version);
        if (r.remaining !== 0) throw new Error(`${r.remaining} bytes after the body`);
        result.answered++;
      } catch (err) {
        result.violations.push(`undecodable answer to api ${req.apiKey} v${req.version}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

export const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;
