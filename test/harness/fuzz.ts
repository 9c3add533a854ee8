/**
 * Structure-aware request fuzzing (reliability.md §4.4, §6.7), shared by the decoder-level fuzzer
 * (test/unit/protocol/request-fuzz.test.ts) and the live-broker fuzzer (test/integration/faults/live-fuzz.test.ts).
 *
 * A frame is made in two steps, both driven by one seeded PRNG per frame (`frameRng(seed, index)`), so any frame is
 * rebuilt from (seed, index) alone:
 * 1. a VALID request: random values for every field of the request table at that version (strings, byte strings,
 *    arrays, nullable structs, real record batches for `records` fields), encoded by the real codec with its header;
 * 2. optionally MUTATED where the decoder is weakest. The valid encoding is read back through a tracing Reader, which
 *    lists every integer it read (lengths, array counts, varints included) with its byte span; mutations then
 *    rewrite such spans with boundary values (−1, 0, remaining ± 1, 2^31 − 1, …), make varints overlong or
 *    unterminated, splice a tagged-field section in place of an empty one (unknown, duplicate, out-of-order tags,
 *    sizes past the end), or fall back to byte-level damage (bit flips, truncation, insertion, duplication).
 */
import { Reader, Writer } from '../../src/protocol/primitives.js';
import { encodeRequestHeader } from '../../src/protocol/header.js';
import { inVersion, isNullable, type Field, type Fields } from '../../src/protocol/schema.js';
import type { AnyMessageSpec } from '../../src/protocol/messages/index.js';
import { BatchLayout, Compression, buildRecordBatch, crc32c } from '../../src/protocol/records/index.js';
import { legacyInnerSet, legacyWrapper, resignFirstLegacyMessage } from './legacy-message-set.js';
import { mulberry32 } from '../../src/common/prng.js';

// ------------------------------------------------------------------------------------------ randomness

export type Rng = () => number;

export { mulberry32 };

/** The PRNG of frame `index` of a run seeded `seed`: frames are reproducible one by one. */
export function frameRng(seed: number, index: number): Rng {
  return mulberry32((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
}

export const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)]!;

// ------------------------------------------------------------------------------------------ valid values

export interface ValueOptions {
  /** strings for name-like fields (topics, groups, ids), used 70 % of the time; default random text only */
  names?: readonly string[];
  /** name-like fields always from `names`, int32 fields small or an edge (live brokers: no unbounded topic growth) */
  confined?: boolean;
}

const TEXT = 'abcxyz019._-/ é日\u0000';
const INT32_EDGES = [0, 1, -1, 2, 0x7fffffff, -0x80000000, 1000];
const INT64_EDGES = [0, 1, -1, -2, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1_700_000_000_000];

function randomText(rng: Rng, max: number): string {
  let s = '';
  for (let i = int(rng, max + 1); i > 0; i--) s += TEXT[int(rng, TEXT.length)];
  return s;
}

function randomBatch(rng: Rng, version: number): Buffer {
  const n = 1 + int(rng, 3);
  const records = Array.from({ length: n }, (_, i) => ({
    key: rng() < 0.5 ? null : Buffer.from(randomText(rng, 6)),
    value: rng() < 0.1 ? null : Buffer.from(randomText(rng, 20)),
    headers: rng() < 0.2 ? [{ key: 'h', value: Buffer.from('v') }] : [],
    timestamp: Date.now() - i,
  }));
  const codecs = version >= 7 ? [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd] : [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4];
  const idempotent = rng() < 0.2;
  return buildRecordBatch(records, {
    compression: rng() < 0.6 ? Compression.None : pick(rng, codecs),
    ...(idempotent ? { producerId: int(rng, 1000), producerEpoch: 0, baseSequence: int(rng, 100) } : {}),
  });
}

/** Produce's records for one partition: a v2 batch, or (Produce v0–v2) sometimes a legacy message set. */
export function randomRecords(rng: Rng, version: number): Buffer {
  if (version >= 3 || rng() < 0.5) return randomBatch(rng, version);
  const magic = rng() < 0.5 ? 0 : 1;
  const inner = legacyInnerSet(magic, 1 + int(rng, 3));
  return rng() < 0.5 ? inner : legacyWrapper(magic, pick(rng, [Compression.Gzip, Compression.Snappy, Compression.Lz4]), 0, inner);
}

const BATCH_FIELDS: ReadonlyArray<[number, 1 | 2 | 4 | 8]> = [
  [BatchLayout.BASE_OFFSET, 8],
  [BatchLayout.BATCH_LENGTH, 4],
  [BatchLayout.PARTITION_LEADER_EPOCH, 4],
  [BatchLayout.MAGIC, 1],
  [BatchLayout.ATTRIBUTES, 2],
  [BatchLayout.LAST_OFFSET_DELTA, 4],
  [BatchLayout.BASE_TIMESTAMP, 8],
  [BatchLayout.MAX_TIMESTAMP, 8],
  [BatchLayout.PRODUCER_ID, 8],
  [BatchLayout.PRODUCER_EPOCH, 2],
  [BatchLayout.BASE_SEQUENCE, 4],
  [BatchLayout.RECORD_COUNT, 4],
];

/**
 * Damages a record batch or legacy message set where its own decoders look — header fields (length, magic,
 * attributes/codec, offset delta, record count, ...) with boundary values, or bytes of the (possibly compressed)
 * records — and usually re-signs it (CRC-32C, or CRC-32 for magic 0/1), so that the damage gets past the checksum
 * into the record decoding and decompression behind it.
 */
export function mutateRecords(rng: Rng, records: Buffer): Buffer {
  const b = Buffer.from(records);
  const legacy = b.length > 16 && b[16]! < 2;
  if (!legacy && b.length >= BatchLayout.RECORDS && rng() < 0.6) {
    const [at, size] = pick(rng, BATCH_FIELDS);
    const v = pick(rng, [0, 1, -1, 2, 0x7f, 0x7fffffff, -0x80000000, b.length, b.length - 12, int(rng, 1 << 16)]);
    if (size === 1) b.writeInt8(((v % 128) + 128) % 256 - 128, at);
    else if (size === 2) b.writeInt16BE(((v % 32768) + 32768) % 65536 - 32768, at);
    else if (size === 4) b.writeInt32BE(Math.max(-0x80000000, Math.min(0x7fffffff, v)), at);
    else b.writeBigInt64BE(BigInt(v), at);
  } else {
    const from = legacy ? 12 : Math.min(b.length, BatchLayout.RECORDS);
    for (let i = 1 + int(rng, 4); i > 0 && b.length > from; i--) {
      const at = from + int(rng, b.length - from);
      b[at] = rng() < 0.5 ? b[at]! ^ (1 << int(rng, 8)) : pick(rng, [0x00, 0xff, 0x80, 0x7f]);
    }
  }
  const cut = rng() < 0.1 ? int(rng, b.length) : b.length;
  const out = b.subarray(0, cut);
  if (rng() < 0.8) {
    if (legacy) resignFirstLegacyMessage(out);
    else if (out.length >= BatchLayout.RECORDS) out.writeUInt32BE(crc32c(out.subarray(BatchLayout.ATTRIBUTES)), BatchLayout.CRC);
  }
  return out;
}

function randomValue(rng: Rng, name: string, f: Field<unknown, boolean>, v: number, o: ValueOptions, depth: number): unknown {
  if (isNullable(f, v) && rng() < 0.1) return null;
  switch (f.kind) {
    case 'int8':
      return pick(rng, [0, 1, -1, 127, -128, int(rng, 256) - 128]);
    case 'int16':
      return pick(rng, [0, 1, -1, 32767, -32768, int(rng, 65536) - 32768]);
    case 'uint16':
      return pick(rng, [0, 1, 65535, int(rng, 65536)]);
    case 'int32':
      if (o.confined) return rng() < 0.3 ? pick(rng, [0, 1, -1, 0x7fffffff, -0x80000000]) : int(rng, 20) - 2;
      return rng() < 0.5 ? pick(rng, INT32_EDGES) : int(rng, 4096) - 16;
    case 'uint32':
      return pick(rng, [0, 1, 0xffffffff, int(rng, 2 ** 32)]);
    case 'int64':
      return rng() < 0.5 ? pick(rng, INT64_EDGES) : int(rng, 1 << 20) - 16;
    case 'float64':
      return pick(rng, [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, rng() * 1e6]);
    case 'bool':
      return rng() < 0.5;
    case 'uuid':
      return Buffer.from(Array.from({ length: 16 }, () => int(rng, 256)));
    case 'string':
      if (o.names && /name|topic|group|id$/i.test(name) && (o.confined || rng() < 0.7)) return pick(rng, o.names);
      return rng() < 0.05 ? 'x'.repeat(200 + int(rng, 200)) : randomText(rng, 12);
    case 'bytes':
      if (name === 'records') return randomRecords(rng, v);
      return Buffer.from(Array.from({ length: int(rng, 24) }, () => int(rng, 256)));
    case 'array': {
      const n = depth > 3 ? 0 : rng() < 0.05 ? int(rng, 9) : int(rng, 3);
      return Array.from({ length: n }, () => randomValue(rng, name, f.elem!, v, o, depth + 1));
    }
    case 'struct':
      return randomStruct(rng, f.fields!, v, o, depth + 1);
  }
}

function randomStruct(rng: Rng, fields: Fields, v: number, o: ValueOptions, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) if (inVersion(f, v)) out[name] = randomValue(rng, name, f, v, o, depth);
  return out;
}

/** A random value for every field of `spec` at `version`. */
export function randomRequestBody(rng: Rng, spec: AnyMessageSpec, version: number, o: ValueOptions = {}): Record<string, unknown> {
  return randomStruct(rng, spec.fields, version, o, 0);
}

/** Header + body of one request (no size prefix). */
export function encodeRequest(spec: AnyMessageSpec, version: number, body: Record<string, unknown>, correlationId: number, clientId = 'fuzz'): Buffer {
  const w = new Writer();
  encodeRequestHeader(w, { apiKey: spec.apiKey, apiVersion: version, correlationId, clientId }, spec.isFlexible(version));
  spec.encode(w, version, body as never);
  return Buffer.concat(w.chunksOut());
}

// ------------------------------------------------------------------------------------------ landmarks

export interface Span {
  kind: 'int8' | 'int16' | 'int32' | 'int64' | 'uvarint';
  start: number;
  end: number;
}

/** A Reader that lists the integers it reads (string/bytes lengths and array counts go through them). */
class TracingReader extends Reader {
  readonly spans: Span[] = [];
  private trace<T>(kind: Span['kind'], read: () => T): T {
    const start = this.offset;
    const v = read();
    this.spans.push({ kind, start, end: this.offset });
    return v;
  }
  override int8(): number {
    return this.trace('int8', () => super.int8());
  }
  override int16(): number {
    return this.trace('int16', () => super.int16());
  }
  override int32(): number {
    return this.trace('int32', () => super.int32());
  }
  override int64(): number {
    return this.trace('int64', () => super.int64());
  }
  override uvarint(): number {
    return this.trace('uvarint', () => super.uvarint());
  }
}

/** The integer spans of a valid body (offsets relative to `body`). */
export function landmarks(spec: AnyMessageSpec, version: number, body: Buffer): Span[] {
  const r = new TracingReader(body);
  spec.decode(r, version);
  return r.spans;
}

// ------------------------------------------------------------------------------------------ mutations

function uvarintBytes(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return Buffer.from(out);
}

function splice(buf: Buffer, start: number, end: number, insert: Buffer): Buffer {
  return Buffer.concat([buf.subarray(0, start), insert, buf.subarray(end)]);
}

function fixedInt(kind: Span['kind'], value: number): Buffer {
  const b = Buffer.alloc(kind === 'int8' ? 1 : kind === 'int16' ? 2 : kind === 'int32' ? 4 : 8);
  if (kind === 'int8') b.writeInt8(((value % 128) + 128) % 256 - 128);
  else if (kind === 'int16') b.writeInt16BE(Math.max(-32768, Math.min(32767, value)));
  else if (kind === 'int32') b.writeInt32BE(Math.max(-0x80000000, Math.min(0x7fffffff, value)));
  else b.writeBigInt64BE(BigInt(Math.trunc(value)));
  return b;
}

/** Rewrites one integer span with a boundary value for its position. */
function mutateSpan(rng: Rng, body: Buffer, s: Span): Buffer {
  const remaining = body.length - s.end;
  if (s.kind === 'uvarint') {
    const choice = int(rng, 6);
    if (choice === 0) return splice(body, s.start, s.end, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])); // 2^32 − 1
    if (choice === 1) return splice(body, s.start, s.end, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])); // overlong
    if (choice === 2) return splice(body, s.start, s.end, Buffer.from([0x80, 0x80])); // unterminated
    if (choice === 3) return splice(body, s.start, s.end, uvarintBytes(remaining + 2 + int(rng, 3)));
    if (choice === 4 && body[s.start] === 0) return spliceTaggedSection(rng, body, s);
    return splice(body, s.start, s.end, uvarintBytes(int(rng, 1 << 16)));
  }
  const values = [-1, 0, 1, -2, 0x7fffffff, -0x80000000, remaining, remaining + 1, remaining - 1, 0x7fff, 0x8000];
  return splice(body, s.start, s.end, fixedInt(s.kind, pick(rng, values)));
}

/** Replaces an empty tagged-field section (uvarint 0) by a non-empty, possibly malformed one. */
function spliceTaggedSection(rng: Rng, body: Buffer, s: Span): Buffer {
  const n = 1 + int(rng, 3);
  const parts: Buffer[] = [uvarintBytes(rng() < 0.1 ? 0xffff : n)];
  let tag = int(rng, 4);
  for (let i = 0; i < n; i++) {
    const size = int(rng, 6);
    const declared = rng() < 0.15 ? size + 1000 : size;
    parts.push(uvarintBytes(tag), uvarintBytes(declared), Buffer.from(Array.from({ length: size }, () => int(rng, 256))));
    tag += rng() < 0.15 ? 0 : 1 + int(rng, 3); // sometimes a duplicate tag
  }
  return splice(body, s.start, s.end, Buffer.concat(parts));
}

/** Byte-level damage for when the structure has been used up. */
function mutateBytes(rng: Rng, body: Buffer): Buffer {
  if (body.length === 0) return Buffer.from([int(rng, 256)]);
  const at = int(rng, body.length);
  switch (int(rng, 6)) {
    case 0: {
      const b = Buffer.from(body);
      b[at] = b[at]! ^ (1 << int(rng, 8));
      return b;
    }
    case 1:
      return body.subarray(0, at); // truncation
    case 2:
      return splice(body, at, at, Buffer.from(Array.from({ length: 1 + int(rng, 8) }, () => int(rng, 256))));
    case 3:
      return splice(body, at, Math.min(body.length, at + 1 + int(rng, 8)), Buffer.alloc(0));
    case 4: {
      const end = Math.min(body.length, at + 1 + int(rng, 32));
      return splice(body, end, end, body.subarray(at, end)); // duplicate a run
    }
    default: {
      const b = Buffer.from(body);
      b.fill(pick(rng, [0x00, 0xff, 0x80]), at, Math.min(b.length, at + 1 + int(rng, 8)));
      return b;
    }
  }
}

/** 1–3 mutations of a valid body, favouring its integer spans (lengths, counts, varints, tagged sections). */
export function mutateBody(rng: Rng, body: Buffer, spans: readonly Span[]): Buffer {
  let out = body;
  const rounds = 1 + int(rng, 3);
  for (let i = 0; i < rounds; i++) {
    // spans of the original stay meaningful for the first mutation only; later ones are byte-level
    out = i === 0 && spans.length > 0 && rng() < 0.75 ? mutateSpan(rng, out, pick(rng, spans)) : mutateBytes(rng, out);
  }
  return out;
}

export interface FuzzFrame {
  spec: AnyMessageSpec;
  version: number;
  mutated: boolean;
  /** header + body, without the size prefix */
  frame: Buffer;
}

/**
 * Frame `index` of run `seed` for (spec, version): a valid request, or (with probability `mutationRate`) a
 * mutated one. The header is left intact so the body reaches the decoder of that api and version.
 */
export function fuzzFrame(seed: number, index: number, spec: AnyMessageSpec, version: number, opts: ValueOptions & { mutationRate?: number } = {}): FuzzFrame {
  const rng = frameRng(seed, index);
  const body = randomRequestBody(rng, spec, version, opts);
  const valid = encodeRequest(spec, version, body, index & 0x7fffffff);
  if (rng() >= (opts.mutationRate ?? 0.9)) return { spec, version, mutated: false, frame: valid };
  const partitions = (body.topics as Array<{ partitions?: Array<{ records?: Buffer | null }> }> | undefined)?.flatMap((t) => t.partitions ?? []) ?? [];
  const withRecords = partitions.filter((p) => Buffer.isBuffer(p.records));
  if (withRecords.length > 0 && rng() < 0.5) {
    // a well-formed request around damaged records: the body decodes, the record checks behind it are exercised
    const p = pick(rng, withRecords);
    p.records = mutateRecords(rng, p.records!);
    return { spec, version, mutated: true, frame: encodeRequest(spec, version, body, index & 0x7fffffff) };
  }
  const headerLen = valid.length - encodedBodyLength(spec, version, body);
  const bodyBytes = valid.subarray(headerLen);
  const mutated = mutateBody(rng, bodyBytes, landmarks(spec, version, bodyBytes));
  return { spec, version, mutated: true, frame: Buffer.concat([valid.subarray(0, headerLen), mutated]) };
}

function encodedBodyLength(spec: AnyMessageSpec, version: number, body: Record<string, unknown>): number {
  const w = new Writer();
  spec.encode(w, version, body as never);
  return w.chunksOut().reduce((n, c) => n + c.length, 0);
}
