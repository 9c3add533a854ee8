/**
 * Decoder-level fuzzer over every request table and every version Kafka 2.7 knows (test/harness/fuzz.ts): valid
 * encodings of random values, and structure-aware mutations of them (lengths, array counts, varints, tagged-field
 * sections, then bytes). Each frame goes through what the broker does with a request before a handler sees it —
 * the request header and the body decoders of the router — and, for Produce, through the record checks of the
 * produce path (legacy message-set conversion, batch validation, the append's header walk, and the decoding of
 * every record with decompression).
 *
 * The property: every frame decodes, or is refused with a ProtocolError (→ closed connection) or a KafkaError
 * (→ an error code). Any other exception is a crash (a TypeError or RangeError would take the connection's
 * request loop down) and fails the run, naming the seed and the frame index that rebuild it:
 *   GREGOR_FUZZ_SEED=<seed> GREGOR_FUZZ_ONLY=<api>:<version>:<index> npx vitest run ... request-fuzz
 * Valid frames must decode. CI runs a bounded sample with a fixed seed; GREGOR_SOAK=1 runs ≥ 10⁶ frames with a
 * random seed (GREGOR_FUZZ_FRAMES overrides the count).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { KafkaError } from '../../../src/common/errors.js';
import type { PartitionTopicConfig } from '../../../src/cluster/topic-log-config.js';
import { analyzeBatches } from '../../../src/log/log-append-info.js';
import { CleanupPolicy, CompressionType, logConfig, TimestampType } from '../../../src/log/log-config.js';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { decodeRequestHeader } from '../../../src/protocol/header.js';
import { MESSAGE_PAIRS, type AnyMessageSpec } from '../../../src/protocol/messages/index.js';
import { Reader } from '../../../src/protocol/primitives.js';
import { initCompression, splitBatches, validateBatchRecords } from '../../../src/protocol/records/index.js';
import { prepareProduceRecords } from '../../../src/server/handlers/produce.js';
import { frameRng, fuzzFrame, int, mutateRecords, randomRecords } from '../../harness/fuzz.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';

const SOAK = process.env.GREGOR_SOAK === '1';
const FRAMES = Number(process.env.GREGOR_FUZZ_FRAMES ?? (SOAK ? 1_050_000 : 40_000));
const SEED = Number(process.env.GREGOR_FUZZ_SEED ?? (SOAK ? Math.floor(Math.random() * 2 ** 31) : 20_261_206));
const ONLY = process.env.GREGOR_FUZZ_ONLY; // "<apiKey>:<version>:<index>"

const MAX_MESSAGE_BYTES = 1_048_588;
/** Topic configs the produce path branches on: plain, compacted (keys checked), recompressed, LogAppendTime, a timestamp window. */
const produceConfigs = [
  logConfig({ maxMessageBytes: MAX_MESSAGE_BYTES }),
  logConfig({ maxMessageBytes: MAX_MESSAGE_BYTES, cleanupPolicy: [CleanupPolicy.Compact] }),
  logConfig({ maxMessageBytes: MAX_MESSAGE_BYTES, compressionType: CompressionType.Gzip }),
  logConfig({ maxMessageBytes: MAX_MESSAGE_BYTES, messageTimestampType: TimestampType.LogAppendTime }),
  logConfig({ maxMessageBytes: MAX_MESSAGE_BYTES, messageTimestampDifferenceMaxMs: 60_000 }),
].map((log) => ({ log }) as unknown as PartitionTopicConfig);
const FUZZ_TP = { topic: 'fz-0', partition: 0 };
const CODE_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));
const requests = MESSAGE_PAIRS.map((p) => p.request);
const flexibleOf = new Map(requests.map((r) => [r.apiKey, r]));
const isFlexible = (k: number, v: number) => flexibleOf.get(k)?.isFlexible(v) ?? false;

interface Outcome {
  decoded: boolean;
  code: 'ok' | 'protocol' | 'kafka';
}

/** Produce's checks of one partition's records, as the produce path runs them; throws only on a crash. */
function checkRecords(records: Buffer, version: number, configIndex: number): void {
  const config = produceConfigs[configIndex % produceConfigs.length]!;
  const stored = prepareProduceRecords(records, version, config, FUZZ_TP, Date.now());
  analyzeBatches(Buffer.from(stored), { role: 'leader', nextOffset: 0, leaderEpoch: 0, logAppendTime: -1 }, MAX_MESSAGE_BYTES);
  for (const batch of splitBatches(stored)) validateBatchRecords(batch, { maxUncompressedBytes: 16 * MAX_MESSAGE_BYTES });
}

/** What the broker does with the frame before a handler runs; throws only on a crash. */
function brokerIntake(spec: AnyMessageSpec, version: number, frame: Buffer): Outcome {
  let body: Record<string, unknown>;
  try {
    const r = new Reader(frame);
    decodeRequestHeader(r, isFlexible);
    body = spec.decode(r, version) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ProtocolError) return { decoded: false, code: 'protocol' };
    throw err;
  }
  if (spec.name !== 'ProduceRequest') return { decoded: true, code: 'ok' };
  try {
    for (const t of body.topics as Array<{ partitions: Array<{ records: Buffer | null }> }>) {
      for (const p of t.partitions) checkRecords(p.records ?? Buffer.alloc(0), version, frame.length);
    }
    return { decoded: true, code: 'ok' };
  } catch (err) {
    if (err instanceof ProtocolError) return { decoded: true, code: 'protocol' };
    if (err instanceof KafkaError) return { decoded: true, code: 'kafka' };
    throw err;
  }
}

const targets = requests.flatMap((spec) => Array.from({ length: spec.maxVersion - spec.minVersion + 1 }, (_, i) => ({ spec, version: spec.minVersion + i })));

beforeAll(async () => {
  await initCompression();
});

describe('request fuzzing - decoder level', () => {
  it(`${FRAMES} frames over every request table and version (seed ${SEED}): decoded or refused with a Kafka error, never a crash`, { timeout: SOAK ? 3_600_000 : 120_000 }, () => {
    const perTarget = Math.max(1, Math.ceil(FRAMES / targets.length));
    const stats = { frames: 0, mutated: 0, validRejected: 0, mutatedDecoded: 0, refusedProtocol: 0, refusedKafka: 0 };
    const crashes: string[] = [];
    const started = Date.now();
    const only = ONLY?.split(':').map(Number);
    for (const { spec, version } of targets) {
      if (only && (only[0] !== spec.apiKey || only[1] !== version)) continue;
      for (let i = 0; i < perTarget; i++) {
        const index = only ? only[2]! : spec.apiKey * 1_000_000_000 + version * 10_000_000 + i;
        const f = fuzzFrame(SEED, index, spec, version, { names: ['fz-0', 'fz-1', '__consumer_offsets', ''] });
        stats.frames++;
        if (f.mutated) stats.mutated++;
        try {
          const o = brokerIntake(spec, version, f.frame);
          if (!f.mutated && !o.decoded) stats.validRejected++;
          if (f.mutated && o.decoded) stats.mutatedDecoded++;
          if (o.code === 'protocol') stats.refusedProtocol++;
          if (o.code === 'kafka') stats.refusedKafka++;
        } catch (err) {
          if (crashes.length < 10) {
            crashes.push(
              `${spec.name} v${version} index ${index} (seed ${SEED}, ${f.mutated ? 'mutated' : 'valid'}): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n  frame ${f.frame.subarray(0, 200).toString('hex')}`,
            );
          }
        }
        if (only) break;
      }
    }
    const secs = (Date.now() - started) / 1000;
    console.log(
      `decoder fuzz: ${stats.frames} frames (${stats.mutated} mutated) over ${targets.length} api/version tables in ${secs.toFixed(1)} s ` +
        `(${Math.round(stats.frames / secs)} frames/s), seed ${SEED}; mutated frames still decoding ${stats.mutatedDecoded}; ` +
        `refused: ${stats.refusedProtocol} protocol errors, ${stats.refusedKafka} Kafka error codes; crashes ${crashes.length}`,
    );
    expect(crashes).toEqual([]);
    expect(stats.validRejected).toBe(0);
  });

  it(`${Math.ceil(FRAMES / 4)} damaged record batches and message sets through the produce path (seed ${SEED}): an error code, never a crash`, { timeout: SOAK ? 3_600_000 : 120_000 }, () => {
    const n = Math.ceil(FRAMES / 4);
    const codes = new Map<string, number>();
    const crashes: string[] = [];
    for (let i = 0; i < n; i++) {
      const rng = frameRng(SEED, 0x7000_0000 + i);
      const version = int(rng, 9);
      const records = mutateRecords(rng, randomRecords(rng, version));
      let outcome = 'accepted';
      try {
        checkRecords(records, version, i);
      } catch (err) {
        if (err instanceof ProtocolError || err instanceof KafkaError) outcome = CODE_NAMES.get(err.code) ?? String(err.code);
        else if (crashes.length < 10) crashes.push(`records index ${0x7000_0000 + i} (seed ${SEED}, Produce v${version}): ${String(err)}\n  ${records.subarray(0, 120).toString('hex')}`);
      }
      codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
    }
    console.log(`records fuzz: ${n} damaged payloads, outcomes ${JSON.stringify(Object.fromEntries([...codes].sort((a, b) => b[1] - a[1])))}`);
    expect(crashes).toEqual([]);
  });
});
