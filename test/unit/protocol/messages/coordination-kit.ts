/**
 * Shared checks for the group, offset, transaction, SASL and ACL message tests: kafkajs oracle
 * round trips, projection of a value onto one version, round trips over every version,
 * truncation and unknown-tag checks. Kept here so each <api>.test.ts states only its data.
 */
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { ProtocolError } from '../../../../src/protocol/errors.js';
import { Reader, Writer } from '../../../../src/protocol/primitives.js';
import type { Field, Fields, Infer, Input, MessageSpec } from '../../../../src/protocol/schema.js';
import { kafkajsDecodeResponse, kafkajsRequestBody } from '../kafkajs-oracle.js';

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

export function encode<F extends Fields>(spec: MessageSpec<F>, v: number, value: Input<F>): Buffer {
  const w = new Writer();
  spec.encode(w, v, value);
  return w.toBuffer();
}

/** Decodes and insists that the table consumed every byte. */
export function decodeAll<F extends Fields>(spec: MessageSpec<F>, v: number, body: Buffer): Infer<F> {
  const r = new Reader(body);
  const out = spec.decode(r, v);
  expect(r.remaining, `${spec.name} v${v} left bytes unread`).toBe(0);
  return out;
}

/** kafkajs encodes `args` as <api> v<v>; our table must read it completely. */
export async function decodeKafkajsRequest<F extends Fields>(
  spec: MessageSpec<F>,
  api: string,
  v: number,
  args: unknown,
): Promise<Infer<F>> {
  return decodeAll(spec, v, await kafkajsRequestBody(api, v, args));
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

function zeroOf(f: Field<unknown, boolean>): unknown {
  if (f.opts.default !== undefined) return f.opts.default;
  if (f.opts.nullable) return null;
  switch (f.kind) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return f.opts.nullableSince !== undefined ? null : Buffer.alloc(0);
    case 'array':
      return [];
    case 'struct':
      return project(f.fields!, {}, -1);
    default:
      return 0;
  }
}

function inVersion(f: Field<unknown, boolean>, v: number): boolean {
  return (f.opts.since ?? 0) <= v && v <= (f.opts.until ?? Infinity);
}

/** What decoding `value` encoded at v must give: fields outside v become their defaults. */
export function project(fields: Fields, value: Record<string, unknown>, v: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) {
    const x = value[name];
    if (v < 0 || !inVersion(f, v) || x === undefined) {
      out[name] = zeroOf(f);
    } else if (x !== null && f.kind === 'array' && f.fields) {
      out[name] = (x as Array<Record<string, unknown>>).map((e) => project(f.fields!, e, v));
    } else if (x !== null && f.kind === 'struct') {
      out[name] = project(f.fields!, x as Record<string, unknown>, v);
    } else {
      out[name] = x;
    }
  }
  return out;
}

/**
 * encode → decode → the projection of the value; re-encoding gives the same bytes; every strict
 * prefix of the body fails with ProtocolError and nothing else.
 */
export function checkRoundTrip<F extends Fields>(spec: MessageSpec<F>, v: number, value: Input<F>): Buffer {
  const body = encode(spec, v, value);
  const decoded = decodeAll(spec, v, body);
  expect(decoded).toEqual(project(spec.fields, value as Record<string, unknown>, v));
  expect(encode(spec, v, decoded as Input<F>).equals(body)).toBe(true);
  for (let len = 0; len < body.length; len++) {
    let thrown: unknown;
    try {
      spec.decode(new Reader(body.subarray(0, len)), v);
    } catch (err) {
      thrown = err;
    }
    expect(thrown, `${spec.name} v${v}: prefix of ${len}/${body.length} bytes`).toBeInstanceOf(ProtocolError);
  }
  return body;
}

/** Round trip at every version the table covers; returns the versions checked. */
export function checkAllVersions<F extends Fields>(spec: MessageSpec<F>, sample: (v: number) => Input<F>): number[] {
  const seen: number[] = [];
  for (let v = spec.minVersion; v <= spec.maxVersion; v++) {
    checkRoundTrip(spec, v, sample(v));
    seen.push(v);
  }
  return seen;
}

/**
 * The body with its (empty, final-byte) top-level tagged section replaced by one holding two
 * unknown tags; a flexible decoder must skip them and read the same value.
 */
export function withUnknownTags(body: Buffer): Buffer {
  expect(body[body.length - 1]).toBe(0);
  const tags = Buffer.from([0x02, 0x05, 0x02, 0xab, 0xcd, 0x2a, 0x00]);
  return Buffer.concat([body.subarray(0, body.length - 1), tags]);
}

export function checkUnknownTagsSkipped<F extends Fields>(spec: MessageSpec<F>, sample: (v: number) => Input<F>): number[] {
  const seen: number[] = [];
  for (let v = Math.max(spec.minVersion, spec.flexibleSince); v <= spec.maxVersion; v++) {
    const body = encode(spec, v, sample(v));
    expect(decodeAll(spec, v, withUnknownTags(body))).toEqual(decodeAll(spec, v, body));
    seen.push(v);
  }
  return seen;
}

/** The versions 0..max of a spec, for it.each. */
export const versionsOf = (spec: MessageSpec<Fields>): number[] =>
  Array.from({ length: spec.maxVersion - spec.minVersion + 1 }, (_, i) => spec.minVersion + i);
