/**
 * Compact, human-readable rendering of a broker's pino JSON lines for `gregor local-cluster`:
 *
 *   12:04:05.123 [broker-1] INFO  [Controller id=1] 1 successfully elected as the controller (controller) epoch=3
 *
 * Lines that are not pino JSON are passed through with the prefix. Bound fields that only repeat the prefix
 * (pid, hostname, brokerId, time, level) are dropped; the component goes in parentheses like log4j's `(%c)`;
 * remaining fields follow as `key=value` (objects as JSON, errors as their message), cut to a sane length.
 */

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const DROPPED = new Set(['level', 'time', 'pid', 'hostname', 'brokerId', 'msg', 'component', 'name', 'v']);
const MAX_EXTRA = 240;

function clock(time: unknown): string {
  const d = typeof time === 'number' || typeof time === 'string' ? new Date(time) : new Date();
  const t = Number.isNaN(d.getTime()) ? new Date() : d;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds(), 3)}`;
}

function renderValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.message === 'string' && (typeof o.type === 'string' || typeof o.stack === 'string')) {
      return JSON.stringify(`${typeof o.type === 'string' ? `${o.type}: ` : ''}${o.message}`);
    }
    return JSON.stringify(v);
  }
  return String(v);
}

/** One output line for one input line (no trailing newline). */
export function formatLogLine(prefix: string, line: string): string {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return `${clock(undefined)} ${prefix} ${line}`;
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(trimmed) as Record<string, unknown>;
  } catch {
    return `${clock(undefined)} ${prefix} ${line}`;
  }
  const level = typeof rec.level === 'number' ? (LEVELS[rec.level] ?? String(rec.level)) : String(rec.level ?? 'INFO');
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  const component = typeof rec.component === 'string' ? ` (${rec.component})` : '';
  let extras = Object.entries(rec)
    .filter(([k]) => !DROPPED.has(k))
    .map(([k, v]) => `${k}=${renderValue(v)}`)
    .join(' ');
  if (extras.length > MAX_EXTRA) extras = `${extras.slice(0, MAX_EXTRA)}…`;
  return `${clock(rec.time)} ${prefix} ${level.padEnd(5)} ${msg}${component}${extras ? ` ${extras}` : ''}`;
}

/** Splits a byte stream into lines; calls `onLine` for each complete one and for the rest at `end()`. */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer | string): void; end(): void } {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.length > 0) onLine(line);
      }
    },
    end() {
      if (pending.length > 0) onLine(pending);
      pending = '';
    },
  };
}
