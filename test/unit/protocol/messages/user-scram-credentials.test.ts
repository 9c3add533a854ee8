import { describe, expect, it } from 'vitest';
import {
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse,
} from '../../../../src/protocol/messages/alter-user-scram-credentials.js';
import {
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse,
} from '../../../../src/protocol/messages/describe-user-scram-credentials.js';
import { checkAllVersions, checkUnknownTagsSkipped, decode, encode } from './codec-kit.js';

// No client tested here sends these (Kafka's Java admin and librdkafka ≥ 2.2 do); the bytes below
// follow Kafka 2.7's {Describe,Alter}UserScramCredentials{Request,Response}.json: v0 only, flexible
// from v0 (compact strings/arrays/bytes with length + 1, a tag section after every struct).
const uvarint = (n: number): Buffer => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
};
const cstr = (s: string): Buffer => Buffer.concat([uvarint(Buffer.byteLength(s) + 1), Buffer.from(s)]);
const cbytes = (b: Buffer): Buffer => Buffer.concat([uvarint(b.length + 1), b]);
const carray = (items: Buffer[]): Buffer => Buffer.concat([uvarint(items.length + 1), ...items]);
const i8 = (n: number): Buffer => Buffer.from([n & 0xff]);
const i16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const i32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const TAGS = Buffer.from([0]);
const NULL = Buffer.from([0]);

describe('describe-user-scram-credentials (key 50)', () => {
  it('decodes a request for two users and a null (all users) request', () => {
    const body = Buffer.concat([carray([Buffer.concat([cstr('alice'), TAGS]), Buffer.concat([cstr('bob'), TAGS])]), TAGS]);
    expect(decode(DescribeUserScramCredentialsRequest, 0, body)).toEqual({ users: [{ name: 'alice' }, { name: 'bob' }] });
    expect(decode(DescribeUserScramCredentialsRequest, 0, Buffer.concat([NULL, TAGS]))).toEqual({ users: null });
  });

  it('writes the response layout of the JSON spec', () => {
    const body = encode(DescribeUserScramCredentialsResponse, 0, {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      results: [{ user: 'alice', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 1, iterations: 4096 }] }],
    });
    const info = Buffer.concat([i8(1), i32(4096), TAGS]);
    const result = Buffer.concat([cstr('alice'), i16(0), NULL, carray([info]), TAGS]);
    expect(body).toEqual(Buffer.concat([i32(0), i16(0), NULL, carray([result]), TAGS]));
  });

  it('round-trips, rejects truncations and skips unknown tags', () => {
    const req = () => ({ users: [{ name: 'u' }] });
    const res = () => ({ throttleTimeMs: 1, errorCode: 0, errorMessage: null, results: [{ user: 'u', errorCode: 91, errorMessage: 'x', credentialInfos: [] }] });
    expect(checkAllVersions(DescribeUserScramCredentialsRequest, req)).toEqual([0]);
    expect(checkAllVersions(DescribeUserScramCredentialsResponse, res)).toEqual([0]);
    expect(checkUnknownTagsSkipped(DescribeUserScramCredentialsRequest, req)).toEqual([0]);
  });
});

describe('alter-user-scram-credentials (key 51)', () => {
  it('decodes deletions and upsertions', () => {
    const deletion = Buffer.concat([cstr('bob'), i8(2), TAGS]);
    const upsertion = Buffer.concat([cstr('alice'), i8(1), i32(8192), cbytes(Buffer.from('salt')), cbytes(Buffer.alloc(32, 7)), TAGS]);
    const body = Buffer.concat([carray([deletion]), carray([upsertion]), TAGS]);
    expect(decode(AlterUserScramCredentialsRequest, 0, body)).toEqual({
      deletions: [{ name: 'bob', mechanism: 2 }],
      upsertions: [{ name: 'alice', mechanism: 1, iterations: 8192, salt: Buffer.from('salt'), saltedPassword: Buffer.alloc(32, 7) }],
    });
  });

  it('writes the response layout of the JSON spec', () => {
    const body = encode(AlterUserScramCredentialsResponse, 0, { throttleTimeMs: 0, results: [{ user: 'alice', errorCode: 93, errorMessage: 'Too few iterations' }] });
    expect(body).toEqual(Buffer.concat([i32(0), carray([Buffer.concat([cstr('alice'), i16(93), cstr('Too few iterations'), TAGS])]), TAGS]));
  });

  it('round-trips and rejects truncations', () => {
    expect(
      checkAllVersions(AlterUserScramCredentialsRequest, () => ({
        deletions: [{ name: 'a', mechanism: 1 }],
        upsertions: [{ name: 'b', mechanism: 2, iterations: 4096, salt: Buffer.from('s'), saltedPassword: Buffer.from('p') }],
      })),
    ).toEqual([0]);
    expect(checkAllVersions(AlterUserScramCredentialsResponse, () => ({ throttleTimeMs: 0, results: [{ user: 'a', errorCode: 0, errorMessage: null }] }))).toEqual([0]);
  });
});
