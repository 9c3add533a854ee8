import { afterEach, describe, expect, it } from 'vitest';
import { AnswerLater, CloseConnection, NO_RESPONSE } from '../../../../src/server/handler.js';
import { createProduceHandler } from '../../../../src/server/handlers/produce.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { BatchLayout, buildRecordBatch, splitBatches } from '../../../../src/protocol/records/index.js';
import { batch, cacheBrokers, control, ctx, depsOf, makeKit, state, type Kit } from '../../cluster/kit.js';

let kit: Kit;
afterEach(() => kit?.close());

async function setup(props: Record<string, string> = {}): Promise<ReturnType<typeof createProduceHandler>> {
  kit = makeKit(props);
  cacheBrokers(kit.metadataCache, [1], [{ topic: 't', partition: 0 }, { topic: 'elsewhere', partition: 0, leader: 2, replicas: [2] }]);
  await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0)]);
  return createProduceHandler(depsOf(kit), kit.rm);
}

type Res = { responses: Array<{ name: string; partitions: Array<{ errorCode: number; baseOffset: number; logStartOffset: number; logAppendTimeMs: number }> }> };

async function produce(h: ReturnType<typeof createProduceHandler>, version: number, records: Buffer | null, opts: { acks?: number; topic?: string; clientId?: string } = {}): Promise<Res> {
  const req = { transactionalId: null, acks: opts.acks ?? 1, timeoutMs: 1000, topics: [{ name: opts.topic ?? 't', partitions: [{ partitionIndex: 0, records }] }] };
  const result = h.handle(req, ctx(version, opts.clientId ?? 'c'));
  return (await (result instanceof AnswerLater ? result.answer : result)) as Res;
}

const codeOf = (r: Res) => r.responses[0]!.partitions[0]!.errorCode;

describe('produce handler', () => {
  it('appends and answers baseOffset, logAppendTime -1 and logStartOffset', async () => {
    const h = await setup();
    await produce(h, 8, batch(['a', 'b']));
    const r = await produce(h, 8, batch(['c']));
    expect(r.responses[0]!.partitions[0]).toEqual({ partitionIndex: 0, errorCode: 0, baseOffset: 2, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [], errorMessage: null });
  });

  it('INVALID_REQUIRED_ACKS for acks outside -1, 0, 1', async () => {
    const h = await setup();
    expect(codeOf(await produce(h, 7, batch(['a']), { acks: 2 }))).toBe(ErrorCode.InvalidRequiredAcks);
    expect(kit.rm.getPartition({ topic: 't', partition: 0 })!.log!.logEndOffset).toBe(0);
  });

  it('UNKNOWN_TOPIC_OR_PARTITION for an unknown topic, NOT_LEADER_OR_FOLLOWER when another broker leads', async () => {
    const h = await setup();
    expect(codeOf(await produce(h, 7, batch(['a']), { topic: 'nope' }))).toBe(ErrorCode.UnknownTopicOrPartition);
    expect(codeOf(await produce(h, 7, batch(['a']), { topic: 'elsewhere' }))).toBe(ErrorCode.NotLeaderOrFollower);
  });

  it('INVALID_TOPIC_EXCEPTION for a client writing an internal topic', async () => {
    const h = await setup();
    expect(codeOf(await produce(h, 7, batch(['a']), { topic: '__consumer_offsets' }))).toBe(ErrorCode.InvalidTopicException);
  });

  it('CORRUPT_MESSAGE for a bad CRC', async () => {
    const h = await setup();
    const b = batch(['a']);
    b[b.length - 1]! ^= 0xff;
    expect(codeOf(await produce(h, 7, b))).toBe(ErrorCode.CorruptMessage);
  });

  it('MESSAGE_TOO_LARGE above the topic max.message.bytes', async () => {
    const h = await setup({ 'message.max.bytes': '200' });
    expect(codeOf(await produce(h, 7, batch(['x'.repeat(300)])))).toBe(ErrorCode.MessageTooLarge);
  });

  it('RECORD_LIST_TOO_LARGE above segment.bytes', async () => {
    const h = await setup({ 'log.segment.bytes': '100', 'message.max.bytes': '100000' });
    expect(codeOf(await produce(h, 7, batch(['x'.repeat(300)])))).toBe(ErrorCode.RecordListTooLarge);
  });

  it('INVALID_RECORD for two batches in v3+, or an empty record set', async () => {
    const h = await setup();
    expect(codeOf(await produce(h, 7, Buffer.concat([batch(['a']), batch(['b'])])))).toBe(ErrorCode.InvalidRecord);
    expect(codeOf(await produce(h, 7, null))).toBe(ErrorCode.InvalidRecord);
  });

  it('UNSUPPORTED_COMPRESSION_TYPE for zstd before v7', async () => {
    const h = await setup();
    const b = batch(['a']);
    b.writeInt16BE((b.readInt16BE(BatchLayout.ATTRIBUTES) & ~7) | 4, BatchLayout.ATTRIBUTES);
    expect(codeOf(await produce(h, 6, b))).toBe(ErrorCode.UnsupportedCompressionType);
  });

  it('NOT_ENOUGH_REPLICAS for acks=-1 when the ISR is below min.insync.replicas', async () => {
    const h = await setup({ 'min.insync.replicas': '2' });
    expect(codeOf(await produce(h, 7, batch(['a']), { acks: -1 }))).toBe(ErrorCode.NotEnoughReplicas);
  });

  it('up-converts a v0–v2 legacy message set to one v2 batch', async () => {
    const h = await setup();
    // magic 1 message set: offset, size, crc, magic 1, attrs 0, timestamp, key -1, value "hi"
    const msg = Buffer.alloc(4 + 1 + 1 + 8 + 4 + 4 + 2);
    let o = 4;
    o = msg.writeInt8(1, o);
    o = msg.writeInt8(0, o);
    o = msg.writeBigInt64BE(123n, o);
    o = msg.writeInt32BE(-1, o);
    o = msg.writeInt32BE(2, o);
    msg.write('hi', o);
    const { crc32 } = await import('../../../../src/protocol/records/index.js');
    msg.writeUInt32BE(crc32(msg.subarray(4)), 0);
    const entry = Buffer.alloc(12);
    entry.writeInt32BE(msg.length, 8);
    const r = await produce(h, 2, Buffer.concat([entry, msg]));
    expect(codeOf(r)).toBe(ErrorCode.None);
    const stored = splitBatches(kit.rm.getPartition({ topic: 't', partition: 0 })!.log!.read(0, 1 << 20));
    expect(stored.map((b) => [b.magic, b.recordCount, b.maxTimestamp])).toEqual([[2, 1, 123]]);
  });

  it('acks=0: no response on success, CloseConnection when a partition failed', async () => {
    const h = await setup();
    expect(await h.handle({ transactionalId: null, acks: 0, timeoutMs: 10, topics: [{ name: 't', partitions: [{ partitionIndex: 0, records: batch(['a']) }] }] }, ctx(7))).toBe(NO_RESPONSE);
    expect(() =>
      h.handle({ transactionalId: null, acks: 0, timeoutMs: 10, topics: [{ name: 'nope', partitions: [{ partitionIndex: 0, records: batch(['a']) }] }] }, ctx(7)),
    ).toThrow(CloseConnection);
  });

  it('acks=-1 waits for replication and times out with REQUEST_TIMED_OUT', async () => {
    kit = makeKit();
    cacheBrokers(kit.metadataCache, [1, 2], [{ topic: 't', partition: 0, replicas: [1, 2], isr: [1, 2] }]);
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { replicas: [1, 2], isr: [1, 2] })]);
    const h = createProduceHandler(depsOf(kit), kit.rm);
    const pending = produce(h, 7, buildRecordBatch([{ value: Buffer.from('a'), timestamp: 1 }]), { acks: -1 });
    await new Promise((r) => setImmediate(r));
    kit.clock.advance(1000);
    const r = await pending;
    expect(r.responses[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.RequestTimedOut, baseOffset: -1 });
  });

  it('acks=-1 appends before it returns and answers later (the connection may go on meanwhile)', async () => {
    kit = makeKit();
    cacheBrokers(kit.metadataCache, [1, 2], [{ topic: 't', partition: 0, replicas: [1, 2], isr: [1, 2] }]);
    await kit.rm.becomeLeaderOrFollower(control(), [state('t', 0, { replicas: [1, 2], isr: [1, 2] })]);
    const h = createProduceHandler(depsOf(kit), kit.rm);
    const req = { transactionalId: null, acks: -1, timeoutMs: 1000, topics: [{ name: 't', partitions: [{ partitionIndex: 0, records: batch(['a', 'b']) }] }] };
    const result = h.handle(req, ctx(7));
    expect(result).toBeInstanceOf(AnswerLater);
    const log = kit.rm.getPartition({ topic: 't', partition: 0 })!.log!;
    expect(log.logEndOffset).toBe(2);
    // the follower catches up: the HW passes the append and the answer completes
    kit.rm.getPartition({ topic: 't', partition: 0 })!.updateFollowerFetchState(2, 2, 0, kit.clock.now(), 2);
    kit.rm.producePurgatory.checkAndComplete('t-0');
    const r = (await (result as AnswerLater<unknown>).answer) as Res;
    expect(r.responses[0]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.None, baseOffset: 0 });
  });

  it('acks=1 answers at once, without answerLater', async () => {
    const h = await setup();
    const req = { transactionalId: null, acks: 1, timeoutMs: 1000, topics: [{ name: 't', partitions: [{ partitionIndex: 0, records: batch(['a']) }] }] };
    expect(h.handle(req, ctx(7))).not.toBeInstanceOf(AnswerLater);
    expect(h.handle(req, ctx(7))).not.toBeInstanceOf(Promise);
  });
});
