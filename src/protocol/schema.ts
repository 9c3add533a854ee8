/**
 * Table-driven message schemas (ARCHITECTURE §9, aesthetics §7.6): each message is one table
 * covering all its versions, read by this one generic codec.
 *
 * A field carries its version range (`since`/`until`), nullability (`nullable` or
 * `nullableSince`), a `default` used when the version lacks it, and optionally a `tag` (a tagged
 * field, present only in flexible versions). Table order is wire order. From `flexibleSince` on,
 * strings/bytes/arrays use compact encodings and every struct ends with a tagged-field section.
 * We never write a non-empty tagged section (librdkafka 2.0.2 mis-parses them); we read and skip
 * unknown tags.
 */
import { ProtocolError } from './errors.js';
import { Reader, Writer } from './primitives.js';

type Kind =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'array'
  | 'struct';

export interface FieldOpts {
  since?: number;
  until?: number;
  nullable?: boolean;
  nullableSince?: number;
  default?: unknown;
  tag?: number;
}

export interface Field<T, Opt extends boolean> {
  readonly kind: Kind;
  readonly opts: FieldOpts;
  readonly elem?: Field<unknown, boolean>;
  readonly fields?: Fields;
  /** phantom: the decoded value type and whether encode input may omit it */
  readonly __t?: T;
  readonly __o?: Opt;
}

export type Fields = { readonly [name: string]: Field<unknown, boolean> };

type IsOptional<O> = O extends { since: number } | { default: unknown } | { tag: number } | { until: number }
  ? true
  : false;
type Nullable<T, O> = O extends { nullable: true } | { nullableSince: number } ? T | null : T;

export type Infer<F extends Fields> = { -readonly [K in keyof F]: F[K] extends Field<infer T, boolean> ? T : never };

type RequiredKeys<F extends Fields> = { [K in keyof F]: F[K] extends Field<unknown, false> ? K : never }[keyof F];
type OptionalKeys<F extends Fields> = Exclude<keyof F, RequiredKeys<F>>;
// `[NonNullable<V>]` keeps the check from distributing over `X[] | null`: distributed, a nullable
// array of structs (or a nullable struct) lost its `null` and accepted a lone struct instead.
type InputOf<T> = T extends Field<infer V, boolean>
  ? T extends { fields: infer SF extends Fields }
    ? [NonNullable<V>] extends [Array<unknown>]
      ? Array<Input<SF>> | (null extends V ? null : never)
      : Input<SF> | (null extends V ? null : never)
    : V
  : never;
/** What encode accepts: fields with a version range, a default or a tag may be omitted. */
export type Input<F extends Fields> = { [K in RequiredKeys<F>]: InputOf<F[K]> } & {
  [K in OptionalKeys<F>]?: InputOf<F[K]>;
};

function prim<T>(kind: Kind) {
  return <O extends FieldOpts = Record<never, never>>(opts?: O): Field<Nullable<T, O>, IsOptional<O>> => ({
    kind,
    opts: opts ?? {},
  });
}

export const t = {
  int8: prim<number>('int8'),
  int16: prim<number>('int16'),
  uint16: prim<number>('uint16'),
  int32: prim<number>('int32'),
  uint32: prim<number>('uint32'),
  /** int64 as a JS number, checked against 2^53 (ARCHITECTURE §8) */
  int64: prim<number>('int64'),
  float64: prim<number>('float64'),
  bool: prim<boolean>('bool'),
  string: prim<string>('string'),
  bytes: prim<Buffer>('bytes'),
  /** record batches: an opaque byte range, never parsed by the codec */
  records: prim<Buffer | null>('bytes'),
  uuid: prim<Buffer>('uuid'),
  array<E extends Field<unknown, boolean>, O extends FieldOpts = Record<never, never>>(
    elem: E,
    opts?: O,
  ): Field<Nullable<Array<E extends Field<infer V, boolean> ? V : never>, O>, IsOptional<O>> {
    return { kind: 'array', opts: opts ?? {}, elem };
  },
  /** array of structs */
  structs<F extends Fields, O extends FieldOpts = Record<never, never>>(
    fields: F,
    opts?: O,
  ): Field<Nullable<Array<Infer<F>>, O>, IsOptional<O>> & { fields: F } {
    return { kind: 'array', opts: opts ?? {}, elem: { kind: 'struct', opts: {}, fields }, fields };
  },
  struct<F extends Fields, O extends FieldOpts = Record<never, never>>(
    fields: F,
    opts?: O,
  ): Field<Nullable<Infer<F>, O>, IsOptional<O>> & { fields: F } {
    return { kind: 'struct', opts: opts ?? {}, fields };
  },
};

// ---------------------------------------------------------------------------------------------
// The interpreter. Structs are compiled once into ordered field lists.

interface Compiled {
  regular: Array<[string, Field<unknown, boolean>]>;
  tagged: Map<number, [string, Field<unknown, boolean>]>;
  all: Array<[string, Field<unknown, boolean>]>;
}

const compiled = new WeakMap<Fields, Compiled>();

function compile(fields: Fields): Compiled {
  let c = compiled.get(fields);
  if (!c) {
    const all = Object.entries(fields);
    const regular = all.filter(([, f]) => f.opts.tag === undefined);
    const tagged = new Map(all.filter(([, f]) => f.opts.tag !== undefined).map((e) => [e[1].opts.tag!, e] as const));
    c = { regular, tagged, all };
    compiled.set(fields, c);
  }
  return c;
}

export function inVersion(f: Field<unknown, boolean>, v: number): boolean {
  return (f.opts.since ?? 0) <= v && v <= (f.opts.until ?? Infinity);
}

export function isNullable(f: Field<unknown, boolean>, v: number): boolean {
  return f.opts.nullable === true || (f.opts.nullableSince !== undefined && v >= f.opts.nullableSince);
}

function zeroValue(f: Field<unknown, boolean>): unknown {
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
      return defaults(f.fields!);
    default:
      return 0;
  }
}

function defaults(fields: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of compile(fields).all) out[name] = zeroValue(f);
  return out;
}

export function decodeStruct(r: Reader, fields: Fields, v: number, flexible: boolean): Record<string, unknown> {
  const c = compile(fields);
  const out: Record<string, unknown> = {};
  for (const [name, f] of c.regular) {
    out[name] = inVersion(f, v) ? decodeValue(r, f, v, flexible) : zeroValue(f);
  }
  // Tagged fields take their defaults in every version (the inferred type promises the key),
  // and are overwritten below when a flexible version carries them.
  for (const [name, f] of c.tagged.values()) out[name] = zeroValue(f);
  if (flexible) {
    decodeTaggedFields(r, (tag, sub) => {
      const e = c.tagged.get(tag);
      if (e && inVersion(e[1], v)) out[e[0]] = decodeValue(sub, e[1], v, true);
    });
  }
  return out;
}

/** Reads a tagged-field section, handing each field's bytes to `onTag` (unknown tags skipped). */
export function decodeTaggedFields(r: Reader, onTag?: (tag: number, sub: Reader) => void): void {
  const count = r.uvarint();
  if (count > r.remaining) throw new ProtocolError(`tagged field count ${count} exceeds input`);
  let lastTag = -1;
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    if (tag <= lastTag) throw new ProtocolError('tagged fields out of order');
    lastTag = tag;
    const size = r.uvarint();
    const data = r.raw(size);
    onTag?.(tag, new Reader(data));
  }
}

function decodeValue(r: Reader, f: Field<unknown, boolean>, v: number, flexible: boolean): unknown {
  switch (f.kind) {
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'uint16':
      return r.uint16();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return r.int64();
    case 'float64':
      return r.float64();
    case 'bool':
      return r.bool();
    case 'uuid':
      return r.uuid();
    case 'string': {
      const s = flexible ? r.compactNullableString() : r.nullableString();
      if (s === null && !isNullable(f, v)) throw new ProtocolError('null in a non-nullable string field');
      return s;
    }
    case 'bytes': {
      const b = flexible ? r.compactNullableBytes() : r.nullableBytes();
      if (b === null && !isNullable(f, v)) throw new ProtocolError('null in a non-nullable bytes field');
      return b;
    }
    case 'array': {
      const n = flexible ? r.compactArrayLength() : r.arrayLength();
      if (n < 0) {
        if (!isNullable(f, v)) throw new ProtocolError('null in a non-nullable array field');
        return null;
      }
      const elem = f.elem!;
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = decodeValue(r, elem, v, flexible);
      return out;
    }
    case 'struct':
      if (f.opts.nullable || f.opts.nullableSince !== undefined) {
        if (isNullable(f, v) && r.int8() < 0) return null;
      }
      return decodeStruct(r, f.fields!, v, flexible);
  }
}

export function encodeStruct(w: Writer, fields: Fields, value: Record<string, unknown>, v: number, flexible: boolean): void {
  const c = compile(fields);
  for (const [name, f] of c.regular) {
    if (!inVersion(f, v)) continue;
    const x = value[name];
    encodeValue(w, f, x === undefined ? zeroValue(f) : x, v, flexible, name);
  }
  if (flexible) w.uvarint(0); // never a non-empty tagged section (ARCHITECTURE §9)
}

function encodeValue(w: Writer, f: Field<unknown, boolean>, x: unknown, v: number, flexible: boolean, name: string): void {
  switch (f.kind) {
    case 'int8':
      w.int8(x as number);
      return;
    case 'int16':
      w.int16(x as number);
      return;
    case 'uint16':
      w.uint16(x as number);
      return;
    case 'int32':
      w.int32(x as number);
      return;
    case 'uint32':
      w.uint32(x as number);
      return;
    case 'int64':
      w.int64(x as number);
      return;
    case 'float64':
      w.float64(x as number);
      return;
    case 'bool':
      w.bool(x as boolean);
      return;
    case 'uuid':
      w.raw(x as Buffer);
      return;
    case 'string':
      if (x === null && !isNullable(f, v)) throw new RangeError(`field ${name}: null is not allowed in v${v}`);
      if (flexible) w.compactNullableString(x as string | null);
      else w.nullableString(x as string | null);
      return;
    case 'bytes':
      if (x === null && !isNullable(f, v)) throw new RangeError(`field ${name}: null is not allowed in v${v}`);
      if (flexible) w.compactNullableBytes(x as Buffer | null);
      else w.nullableBytes(x as Buffer | null);
      return;
    case 'array': {
      if (x === null) {
        if (!isNullable(f, v)) throw new RangeError(`field ${name}: null is not allowed in v${v}`);
        if (flexible) w.uvarint(0);
        else w.int32(-1);
        return;
      }
      const arr = x as unknown[];
      if (flexible) w.uvarint(arr.length + 1);
      else w.int32(arr.length);
      const elem = f.elem!;
      for (const e of arr) encodeValue(w, elem, e, v, flexible, name);
      return;
    }
    case 'struct':
      if (isNullable(f, v)) {
        if (x === null) {
          w.int8(-1);
          return;
        }
        w.int8(1);
      }
      encodeStruct(w, f.fields!, x as Record<string, unknown>, v, flexible);
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// Messages

export interface MessageSpec<F extends Fields> {
  readonly apiKey: number;
  readonly name: string;
  /** the versions this table describes (what Kafka 2.7 knows) */
  readonly minVersion: number;
  readonly maxVersion: number;
  /** first flexible version, or Infinity when none is */
  readonly flexibleSince: number;
  readonly fields: F;
  isFlexible(version: number): boolean;
  decode(r: Reader, version: number): Infer<F>;
  encode(w: Writer, version: number, value: Input<F>): void;
  /** the value a missing field of every version takes (useful for building responses) */
  defaults(): Infer<F>;
}

export function message<F extends Fields>(
  meta: { apiKey: number; name: string; versions: readonly [number, number]; flexibleSince?: number },
  fields: F,
): MessageSpec<F> {
  const flexibleSince = meta.flexibleSince ?? Infinity;
  const [minVersion, maxVersion] = meta.versions;
  return {
    apiKey: meta.apiKey,
    name: meta.name,
    minVersion,
    maxVersion,
    flexibleSince,
    fields,
    isFlexible: (version) => version >= flexibleSince,
    decode(r, version) {
      return decodeStruct(r, fields, version, version >= flexibleSince) as Infer<F>;
    },
    encode(w, version, value) {
      encodeStruct(w, fields, value as Record<string, unknown>, version, version >= flexibleSince);
    },
    defaults: () => defaults(fields) as Infer<F>,
  };
}

export type MessageValue<M> = M extends MessageSpec<infer F> ? Infer<F> : never;
export type MessageInput<M> = M extends MessageSpec<infer F> ? Input<F> : never;
