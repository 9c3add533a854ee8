import { describe, expect, it } from 'vitest';
import { decodeRecords, writeRecord, type RecordFields } from '../../../../src/protocol/records/index.js';
import { Writer } from '../../../../src/protocol/primitives.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { ProtocolError } from '../../../../src/protocol/errors.js';

const CONTEXT = { baseOffset: 1000, baseTimestamp: 2 ** 41, logAppendTime: null };

function encode(...records: RecordFields[]): Buffer {
  const writer = new Writer();
  for (const r of records) writeRecord(writer, r);
  return writer.toBuffer();
}

/** A record body written field by field (zig-zag varints), with a correct length prefix. */
function rawRecord(build: (w: Writer) => void): Buffer {
  const body = new Writer();
  build(body);
  const bytes = body.toBuffer();
  return Buffer.concat([new Writer().varint(bytes.length).toBuffer(), bytes]);
}

function codeOf(fn: () => unknown): ErrorCode {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return (err as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError');
}

describe('record - encoding and decoding', () => {
  it('round-trips large deltas, null and empty keys and values, unicode header keys', () => {
    const records: RecordFields[] = [
      { offsetDelta: 0, timestampDelta: -5, key: null, value: Buffer.alloc(0), headers: [] },
      { offsetDelta: 70_000, timestampDelta: 2 ** 40, key: Buffer.alloc(0), value: null, headers: [{ key: 'clé-✓', value: null }] },
      { offsetDelta: 1, timestampDelta: 0, key: Buffer.alloc(300, 1), value: Buffer.alloc(2000, 2), headers: [{ key: '', value: Buffer.alloc(0) }] },
    ];
    const decoded = decodeRecords(encode(...records), 3, CONTEXT);
    expect(decoded).toEqual(
      records.map((r) => ({
        offset: 1000 + r.offsetDelta,
        offsetDelta: r.offsetDelta,
        timestamp: 2 ** 41 + r.timestampDelta,
        key: r.key,
        value: r.value,
        headers: r.headers,
      })),
    );
  });

  it('gives every record the LogAppendTime when the batch has one', () => {
    const bytes = encode({ offsetDelta: 0, timestampDelta: 7, key: null, value: null, headers: [] });
    expect(decodeRecords(bytes, 1, { ...CONTEXT, logAppendTime: 55 })[0]!.timestamp).toBe(55);
  });
});

describe('record - malformed records are INVALID_RECORD', () => {
  const head = (w: Writer): Writer => w.int8(0).varlong(0).varint(0);
  const cases: [string, Buffer][] = [
    ['negative header count', rawRecord((w) => head(w).varint(-1).varint(-1).varint(-1))],
    ['negative header key size', rawRecord((w) => head(w).varint(-1).varint(-1).varint(1).varint(-1).varint(-1))],
    ['key length below -1', rawRecord((w) => head(w).varint(-2).varint(-1).varint(0))],
    ['header count beyond the record', rawRecord((w) => head(w).varint(-1).varint(-1).varint(1000))],
    ['bytes left over in the record', rawRecord((w) => head(w).varint(-1).varint(-1).varint(0).int8(0))],
    ['record length past the data', Buffer.from([0x7e, 0, 0, 0])],
    ['negative record length', Buffer.from([0x01, 0, 0, 0])],
    ['unterminated varint', Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
  ];
  it.each(cases)('%s', (_name, bytes) => {
    expect(codeOf(() => decodeRecords(bytes, 1, CONTEXT))).toBe(ErrorCode.InvalidRecord);
  });

  it('fewer or more records than declared', () => {
    const two = encode(...[0, 1].map((i) => ({ offsetDelta: i, timestampDelta: 0, key: null, value: null, headers: [] })));
    expect(decodeRecords(two, 2, CONTEXT)).toHaveLength(2);
    expect(codeOf(() => decodeRecords(two, 3, CONTEXT))).toBe(ErrorCode.InvalidRecord);
    expect(codeOf(() => decodeRecords(two, 1, CONTEXT))).toBe(ErrorCode.InvalidRecord);
  });

  it('a huge declared count with little data fails fast without allocating for the count', () => {
    expect(codeOf(() => decodeRecords(Buffer.from([0x02, 0]), 2 ** 31 - 1, CONTEXT))).toBe(ErrorCode.InvalidRecord);
  });
});
