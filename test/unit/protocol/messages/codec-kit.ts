/**
 * The one shared helper module of the protocol message tests (messages/*.test.ts and
 * ../fixtures.test.ts): encode and decode a body, round trips (with the value each version must
 * give back), every-truncated-prefix checks, unknown-tagged-field injection, and kafkajs 2.2.4 as
 * an oracle. Each <api>.test.ts then states only its data and what is particular to its API.
 *
 * The value a round trip must give back is computed from the table's field metadata, apart from
 * the codec's own defaulting code: a field outside the version, or a tagged field (we never write
 * tags), comes back as its default.
 */
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { ProtocolError } from '../../../../src/protocol/errors.js';
import { Reader, Writer } from '../../../../src/protocol/primitives.js';
import { decodeTaggedFields } from '../../../../src/protocol/schema.js';
import type { Field, Fields, Infer, Input, MessageSpec } from '../../../../src/protocol/schema.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../kafkajs-oracle.js';

export { kafkajsDecodeResponse, kafkajsRequestBody };

type AnyField = Field<unknown, boolean>;

// ---------------------------------------------------------------------------------------------
// Bytes

export function encode<F extends Fields>(spec: MessageSpec<F>, v: number, value: Input<F>): Buffer {
  const w = new Writer();
  spec.encode(w, v, value);
  return w.toBuffer();
}

/** Decodes a whole body and insists the table consumed every byte. */
export function decode<F extends Fields>(spec: MessageSpec<F>, v: number, body: Buffer): Infer<F> {
  const r = new Reader(body);
  const out = spec.decode(r, v);
  expect(r.remaining, `${spec.name} v${v}: decode must consume the whole body`).toBe(0);
  return out;
}

/** encode then decode (the whole body): what version v makes of `value`. */
export function roundTrip<F extends Fields>(spec: MessageSpec<F>, v: number, value: Input<F>): Infer<F> {
  return decode(spec, v, encode(spec, v, value));
}

/** The versions min..max of a spec, for it.each. */
export const versionsOf = (spec: MessageSpec<Fields>): number[] =>
  Array.from({ length: spec.maxVersion - spec.minVersion + 1 }, (_, i) => spec.minVersion + i);

// ---------------------------------------------------------------------------------------------
// The value a round trip must give back

function inVersion(f: AnyField, v: number): boolean {
  return (f.opts.since ?? 0) <= v && v <= (f.opts.until ?? Infinity);
}

function fieldDefault(f: AnyField): unknown {
  if (f.opts.default !== undefined) return f.opts.default;
  if (f.opts.nullable) return null;
  switch (f.kind) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return f.opts.nullableSince !== undefined ? null : Buffer.alloc(0);
    case 'uuid':
      return Buffer.alloc(16);
    case 'array':
      return [];
    case 'struct':
      return project(f.fields!, {}, -1);
    default:
      return 0;
  }
}

function projectValue(f: AnyField, v: number, x: unknown): unknown {
  if (x === undefined) return fieldDefault(f);
  if (x === null) return null;
  if (f.kind === 'array' && f.elem) return (x as unknown[]).map((e) => projectValue(f.elem!, v, e));
  if (f.kind === 'struct') return project(f.fields!, x as Record<string, unknown>, v);
  return x;
}

/** What decoding `value` encoded at v must give: fields outside v, and tagged fields, become their defaults. */
function project(fields: Fields, value: Record<string, unknown>, v: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) {
    const present = v >= 0 && inVersion(f, v) && f.opts.tag === undefined;
    out[name] = present ? projectValue(f, v, value[name]) : fieldDefault(f);
  }
  return out;
}

/** What decoding `value` encoded at version v must give back. */
export function expectedRoundTrip<F extends Fields>(spec: MessageSpec<F>, v: number, value: Input<F>): Record<string, unknown> {
  return project(spec.fields, value as Record<string, unknown>, v);
}

// ---------------------------------------------------------------------------------------------
// Checks

/** Every strict prefix of a valid body fails with ProtocolError and nothing else. */
export function expectEveryPrefixThrows<F extends Fields>(spec: MessageSpec<F>, v: number, body: Buffer): void {
  for (let n = 0; n < body.length; n++) {
    let thrown: unknown;
    try {
      spec.decode(new Reader(body.subarray(0, n)), v);
    } catch (err) {
      thrown = err;
    }
    expect(thrown, `${spec.name} v${v}: prefix of ${n}/${body.length} bytes`).toBeInstanceOf(ProtocolError);
  }
}

/**
 * encode → decode → the value version v must give back; re-encoding gives the same bytes; every
 * strict prefix of the body fails with ProtocolError. Returns the body.
 */
export function checkRoundTrip<F extends Fields>(spec: MessageSpec<F>, v: number, value: Input<F>): Buffer {
  const body = encode(spec, v, value);
  const decoded = decode(spec, v, body);
  expect(decoded, `${spec.name} v${v}`).toEqual(expectedRoundTrip(spec, v, value));
  expect(encode(spec, v, decoded as Input<F>).equals(body), `${spec.name} v${v} re-encode`).toBe(true);
  expectEveryPrefixThrows(spec, v, body);
  return body;
}

/** Three unknown tags in ascending order: 5 (two bytes), 42 (empty) and 97 (three bytes). */
const UNKNOWN_TAGS = new Writer()
  .uvarint(3)
  .uvarint(5).uvarint(2).raw(Buffer.from([0xab, 0xcd]))
  .uvarint(42).uvarint(0)
  .uvarint(97).uvarint(3).raw(Buffer.from([0xde, 0xad, 0xbe]))
  .toBuffer();

/**
 * The body with its top-level tag section (our encoder always ends a flexible body with an empty
 * one, a single 0x00) replaced by `section`, by default one holding three unknown tags.
 */
export function withUnknownTags(body: Buffer, section: Buffer = UNKNOWN_TAGS): Buffer {
  expect(body[body.length - 1], 'a flexible body ends with an empty tag section').toBe(0);
  return Buffer.concat([body.subarray(0, body.length - 1), section]);
}

/** A flexible version skips unknown top-level tags and decodes the rest unchanged. */
export function checkUnknownTagsSkippedAt<F extends Fields>(spec: MessageSpec<F>, v: number, body: Buffer): void {
  expect(decode(spec, v, withUnknownTags(body)), `${spec.name} v${v} with unknown tags`).toEqual(decode(spec, v, body));
}

/** The unknown-tag check at every flexible version; returns the versions checked. */
export function checkUnknownTagsSkipped<F extends Fields>(spec: MessageSpec<F>, sample: (v: number) => Input<F>): number[] {
  const seen: number[] = [];
  for (let v = Math.max(spec.minVersion, spec.flexibleSince); v <= spec.maxVersion; v++) {
    checkUnknownTagsSkippedAt(spec, v, encode(spec, v, sample(v)));
    seen.push(v);
  }
  return seen;
}

/**
 * checkRoundTrip (round trip, re-encode, truncation) at every version the table covers, plus the
 * unknown-tag check at the flexible ones; returns the versions checked.
 */
export function checkAllVersions<F extends Fields>(spec: MessageSpec<F>, sample: (v: number) => Input<F>): number[] {
  const seen: number[] = [];
  for (let v = spec.minVersion; v <= spec.maxVersion; v++) {
    const body = checkRoundTrip(spec, v, sample(v));
    if (spec.isFlexible(v)) checkUnknownTagsSkippedAt(spec, v, body);
    seen.push(v);
  }
  return seen;
}

// ---------------------------------------------------------------------------------------------
// kafkajs 2.2.4 as an oracle (../kafkajs-oracle.ts)

const require = createRequire(import.meta.url);

/** kafkajs's own Encoder: an independent writer for hand-built (e.g. flexible) bodies. */
export interface KafkajsEncoder {
  writeInt8(v: number): KafkajsEncoder;
  writeInt16(v: number): KafkajsEncoder;
  writeInt32(v: number): KafkajsEncoder;
  writeInt64(v: number | string): KafkajsEncoder;
  writeBoolean(v: boolean): KafkajsEncoder;
  writeString(v: string | null): KafkajsEncoder;
  writeBytes(v: Buffer | null): KafkajsEncoder;
  writeArray(v: unknown[]): KafkajsEncoder;
  writeUVarInt(v: number): KafkajsEncoder;
  writeUVarIntString(v: string | null): KafkajsEncoder;
  writeUVarIntBytes(v: Buffer | null): KafkajsEncoder;
  writeBuffer(v: Buffer): KafkajsEncoder;
  readonly buffer: Buffer;
}
const EncoderClass = require('kafkajs/src/protocol/encoder.js') as new () => KafkajsEncoder;
export const kafkajsEncoder = (): KafkajsEncoder => new EncoderClass();

/** kafkajs encodes `args` as <api> v<v>; our table must read it completely. */
export async function decodeKafkajsRequest<F extends Fields>(
  spec: MessageSpec<F>,
  api: string,
  v: number,
  args: unknown,
): Promise<Infer<F>> {
  return decode(spec, v, await kafkajsRequestBody(api, v, args));
}

/** Our table encodes `value` as v<v>; kafkajs's own response decoder reads it. */
export async function kafkajsReadsResponse<F extends Fields>(
  spec: MessageSpec<F>,
  api: string,
  v: number,
  value: Input<F>,
): Promise<Record<string, unknown>> {
  return kafkajsDecodeResponse(api, v, encode(spec, v, value));
}

/**
 * For a flexible header kafkajs writes (request header v2) or reads (response header v1) the
 * header's tag section as the first byte of what it calls the body: our body behind an empty one.
 */
export const withEmptyHeaderTags = (body: Buffer): Buffer => Buffer.concat([Buffer.from([0]), body]);

/**
 * kafkajs encodes `args` as flexible <api> v<v>; past the header's tag section it writes first,
 * our table must read the rest completely. Returns kafkajs's bytes too.
 */
export async function decodeKafkajsFlexibleRequest<F extends Fields>(
  spec: MessageSpec<F>,
  api: string,
  v: number,
  args: unknown,
): Promise<{ raw: Buffer; decoded: Infer<F> }> {
  const raw = await kafkajsRequestBody(api, v, args);
  const r = new Reader(raw);
  decodeTaggedFields(r); // the request header's tag section, emitted by kafkajs with the body
  const decoded = spec.decode(r, v);
  expect(r.remaining, `${spec.name} v${v}: decode must consume the whole kafkajs body`).toBe(0);
  return { raw, decoded };
}

/** Our table encodes `value` as flexible v<v>; kafkajs reads it behind an empty header tag section. */
export async function kafkajsReadsFlexibleResponse<F extends Fields>(
  spec: MessageSpec<F>,
  api: string,
  v: number,
  value: Input<F>,
): Promise<Record<string, unknown>> {
  return kafkajsDecodeResponse(api, v, withEmptyHeaderTags(encode(spec, v, value)));
}
