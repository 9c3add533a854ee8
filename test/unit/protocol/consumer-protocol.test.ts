import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../../../src/protocol/consumer-protocol.js';
import { ProtocolError } from '../../../src/protocol/errors.js';
import { kafkajsEncoder } from './messages/codec-kit.js';

const require = createRequire(import.meta.url);
const { MemberMetadata, MemberAssignment } = require('kafkajs/src/consumer/assignerProtocol.js') as {
  MemberMetadata: {
    encode(m: { version: number; topics: string[]; userData?: Buffer }): Buffer;
    decode(b: Buffer): { version: number; topics: string[]; userData: Buffer };
  };
  MemberAssignment: {
    encode(a: { version: number; assignment: Record<string, number[]>; userData?: Buffer }): Buffer;
    decode(b: Buffer): { version: number; assignment: Record<string, number[]>; userData: Buffer } | null;
  };
};

function expectEveryPrefixRejected(buf: Buffer, decode: (b: Buffer) => unknown, from: number): void {
  for (let len = from; len < buf.length; len++) {
    expect(() => decode(buf.subarray(0, len)), `prefix ${len}/${buf.length}`).toThrow(ProtocolError);
  }
}

describe('consumer-protocol - subscription', () => {
  it('decodes the member metadata kafkajs writes (v0 layout, empty user data)', () => {
    const buf = MemberMetadata.encode({ version: 0, topics: ['orders', 'payments'] });
    expect(decodeSubscription(buf)).toEqual({ version: 0, topics: ['orders', 'payments'], userData: Buffer.alloc(0), ownedPartitions: [] });
  });

  it('decodes kafkajs metadata with user data', () => {
    const buf = MemberMetadata.encode({ version: 0, topics: ['t'], userData: Buffer.from('{"rack":"a"}') });
    expect(decodeSubscription(buf).userData).toEqual(Buffer.from('{"rack":"a"}'));
  });

  it('round-trips v0 and v1 (owned partitions, KIP-429) and kafkajs reads what we write', () => {
    const v1 = {
      version: 1,
      topics: ['orders'],
      userData: null,
      ownedPartitions: [{ topic: 'orders', partitions: [0, 2] }],
    };
    const buf1 = encodeSubscription(v1);
    expect(decodeSubscription(buf1)).toEqual(v1);
    expectEveryPrefixRejected(buf1, decodeSubscription, 0);
    const v0 = { version: 0, topics: ['a', 'b'], userData: Buffer.from([1, 2, 3]) };
    const buf0 = encodeSubscription(v0);
    expect(decodeSubscription(buf0)).toEqual({ ...v0, ownedPartitions: [] });
    expect(MemberMetadata.decode(buf0)).toEqual({ version: 0, topics: ['a', 'b'], userData: Buffer.from([1, 2, 3]) });
    expectEveryPrefixRejected(buf0, decodeSubscription, 0);
  });

  it('reads a v1 subscription written by the Java client (null user data, owned partitions)', () => {
    const owned = kafkajsEncoder().writeString('orders').writeArray([0, 1]);
    const buf = kafkajsEncoder().writeInt16(1).writeArray(['orders']).writeBytes(null).writeArray([owned]).buffer;
    expect(decodeSubscription(buf)).toEqual({
      version: 1,
      topics: ['orders'],
      userData: null,
      ownedPartitions: [{ topic: 'orders', partitions: [0, 1] }],
    });
  });

  it('reads newer versions with the v1 layout and ignores their trailing fields', () => {
    const owned = kafkajsEncoder().writeString('t').writeArray([3]);
    const base = kafkajsEncoder().writeArray(['t']).writeBytes(Buffer.from('u')).writeArray([owned]);
    const v2 = kafkajsEncoder().writeInt16(2).writeBuffer(base.buffer).writeInt32(17).buffer; // + GenerationId
    const v3 = kafkajsEncoder().writeInt16(3).writeBuffer(base.buffer).writeInt32(17).writeString('rack-1').buffer; // + RackId
    const expected = { topics: ['t'], userData: Buffer.from('u'), ownedPartitions: [{ topic: 't', partitions: [3] }] };
    expect(decodeSubscription(v2)).toEqual({ version: 2, ...expected });
    expect(decodeSubscription(v3)).toEqual({ version: 3, ...expected });
  });

  it('rejects a negative version and refuses to write versions it cannot fill', () => {
    const buf = kafkajsEncoder().writeInt16(-1).writeArray([]).writeBytes(null).buffer;
    expect(() => decodeSubscription(buf)).toThrow(ProtocolError);
    expect(() => encodeSubscription({ version: 2, topics: [], userData: null })).toThrow(RangeError);
  });
});

describe('consumer-protocol - assignment', () => {
  it('decodes the assignment kafkajs writes', () => {
    const buf = MemberAssignment.encode({ version: 0, assignment: { orders: [0, 2, 4], payments: [1] } });
    expect(decodeAssignment(buf)).toEqual({
      version: 0,
      assignedPartitions: [
        { topic: 'orders', partitions: [0, 2, 4] },
        { topic: 'payments', partitions: [1] },
      ],
      userData: Buffer.alloc(0),
    });
  });

  it('round-trips v0/v1 and kafkajs reads what we write', () => {
    for (const version of [0, 1]) {
      const a = { version, assignedPartitions: [{ topic: 'orders', partitions: [1, 3] }], userData: Buffer.from('x') };
      const buf = encodeAssignment(a);
      expect(decodeAssignment(buf)).toEqual(a);
      expect(MemberAssignment.decode(buf)).toEqual({ version, assignment: { orders: [1, 3] }, userData: Buffer.from('x') });
      expectEveryPrefixRejected(buf, decodeAssignment, 1);
    }
  });

  it('an empty assignment (member given nothing) is null, like kafkajs', () => {
    expect(decodeAssignment(Buffer.alloc(0))).toBeNull();
    expect(MemberAssignment.decode(Buffer.alloc(0))).toBeNull();
  });

  it('a null user data round-trips and newer versions are read with the v1 layout', () => {
    const a = { version: 1, assignedPartitions: [], userData: null };
    expect(decodeAssignment(encodeAssignment(a))).toEqual(a);
    const tp = kafkajsEncoder().writeString('t').writeArray([0]);
    const v2 = kafkajsEncoder().writeInt16(2).writeArray([tp]).writeBytes(null).writeInt32(99).buffer;
    expect(decodeAssignment(v2)).toEqual({ version: 2, assignedPartitions: [{ topic: 't', partitions: [0] }], userData: null });
    expect(() => decodeAssignment(kafkajsEncoder().writeInt16(-3).buffer)).toThrow(ProtocolError);
  });
});
