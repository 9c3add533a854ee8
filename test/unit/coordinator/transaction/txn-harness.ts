/**
 * A transaction coordinator on a ManualClock with an in-memory `__transaction_state` (FakeTxnLog),
 * a counting producer-id generator and a scripted WriteTxnMarkers transport (FakeMarkerTransport).
 */
import { ManualClock } from '../../../../src/common/clock.js';
import { silentLogger } from '../../../../src/common/logger.js';
import { tpKey, type TopicPartition } from '../../../../src/common/topic-partition.js';
import { transactionConfig, type TransactionConfig } from '../../../../src/coordinator/transaction/transaction-config.js';
import { TxnCoordinator } from '../../../../src/coordinator/transaction/txn-coordinator.js';
import { decodeTxnKey, decodeTxnValue, type TxnLogValue } from '../../../../src/coordinator/transaction/transaction-log.js';
import {
  TransactionMarkerChannelManager,
  type MarkerDestination,
  type MarkerResult,
  type MarkerTransport,
  type TxnMarkerEntry,
} from '../../../../src/coordinator/transaction/transaction-marker-channel-manager.js';
import { TransactionStateManager, type TransactionLogAccess } from '../../../../src/coordinator/transaction/transaction-state-manager.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { readRecords, RecordBatch, splitBatches } from '../../../../src/protocol/records/index.js';

export const START = 1_700_000_000_000;

/** `__transaction_state` partitions in memory; appends can be made to fail or to wait. */
export class FakeTxnLog implements TransactionLogAccess {
  readonly batches = new Map<number, Buffer[]>();
  readonly logStart = new Map<number, number>();
  partitions: number | null = null;
  /** set: partitionCount() rejects with it (ZooKeeper unreachable) */
  partitionCountError: Error | null = null;
  /** the next appends answer these codes (nothing written); null = that append succeeds */
  failures: Array<ErrorCode | null> = [];
  /** when set, appends wait until release() */
  private held: Array<() => void> | null = null;
  appends = 0;

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const w of waiting) w();
  }

  async append(partition: number, records: Buffer): Promise<ErrorCode> {
    if (this.held) await new Promise<void>((r) => this.held!.push(r));
    this.appends++;
    const failure = this.failures.shift();
    if (failure !== undefined && failure !== null) return failure;
    this.write(partition, records);
    return ErrorCode.None;
  }

  /** Appends raw batches (assigning offsets) as a previous leader would have. */
  write(partition: number, records: Buffer): void {
    const list = this.batches.get(partition) ?? [];
    this.batches.set(partition, list);
    for (const b of splitBatches(Buffer.from(records))) {
      b.setBaseOffset(this.endOffset(partition));
      list.push(b.buffer);
    }
  }

  endOffset(partition: number): number {
    const list = this.batches.get(partition);
    const last = list?.at(-1);
    return last ? new RecordBatch(last).lastOffset + 1 : (this.logStart.get(partition) ?? 0);
  }

  bounds(partition: number) {
    if (!this.batches.has(partition)) return null;
    return { logStartOffset: this.logStart.get(partition) ?? 0, logEndOffset: this.endOffset(partition) };
  }

  read(partition: number, offset: number, maxBytes: number): Buffer {
    const out: Buffer[] = [];
    let bytes = 0;
    for (const b of this.batches.get(partition) ?? []) {
      const batch = new RecordBatch(b);
      if (batch.lastOffset < offset) continue;
      if (out.length > 0 && bytes + b.length > maxBytes) break;
      out.push(b);
      bytes += b.length;
    }
    return Buffer.concat(out);
  }

  maxMessageBytes(partition: number): number | null {
    return this.batches.has(partition) ? 1_048_588 : null;
  }

  async partitionCount(): Promise<number | null> {
    if (this.partitionCountError) throw this.partitionCountError;
    return this.partitions;
  }

  /** Every record of a partition, decoded. */
  records(partition: number): Array<{ id: string; value: TxnLogValue | null }> {
    const out = [];
    for (const b of this.batches.get(partition) ?? []) {
      for (const r of readRecords(new RecordBatch(b), { maxUncompressedBytes: 1 << 20 })) out.push({ id: decodeTxnKey(r.key!), value: decodeTxnValue(r.value) });
    }
    return out;
  }
}

type Responder = (destination: MarkerDestination, markers: readonly TxnMarkerEntry[]) => MarkerResult[] | Promise<MarkerResult[]>;

/** Leaders by partition key; every request is recorded and answered by `respond` (default: NONE everywhere). */
export class FakeMarkerTransport implements MarkerTransport {
  readonly leaders = new Map<string, MarkerDestination | 'no-endpoint'>();
  readonly sent: Array<{ destination: MarkerDestination; markers: TxnMarkerEntry[] }> = [];
  respond: Responder = (_d, markers) => markers.map((m) => answer(m, ErrorCode.None));

  setLeader(tp: TopicPartition, brokerId: number | 'no-endpoint' | null): void {
    if (brokerId === null) this.leaders.delete(tpKey(tp));
    else this.leaders.set(tpKey(tp), brokerId === 'no-endpoint' ? brokerId : { brokerId, host: '127.0.0.1', port: 9000 + brokerId });
  }

  leaderFor(tp: TopicPartition): MarkerDestination | 'no-endpoint' | null {
    return this.leaders.get(tpKey(tp)) ?? null;
  }

  async send(destination: MarkerDestination, markers: readonly TxnMarkerEntry[]): Promise<MarkerResult[]> {
    this.sent.push({ destination, markers: [...markers] });
    return this.respond(destination, markers);
  }
}

export function answer(m: TxnMarkerEntry, code: ErrorCode | ((tp: TopicPartition) => ErrorCode)): MarkerResult {
  return { producerId: m.producerId, partitions: m.partitions.map((tp) => ({ ...tp, errorCode: typeof code === 'function' ? code(tp) : code })) };
}

export class CountingProducerIds {
  next = 1000;
  async generateProducerId(): Promise<number> {
    return this.next++;
  }
}

export interface TxnHarness {
  clock: ManualClock;
  log: FakeTxnLog;
  transport: FakeMarkerTransport;
  producerIds: CountingProducerIds;
  state: TransactionStateManager;
  markers: TransactionMarkerChannelManager;
  coordinator: TxnCoordinator;
  config: TransactionConfig;
}

/** One `__transaction_state` partition (so every id lands on partition 0), loaded at coordinator epoch 5. */
export async function makeTxnHarness(overrides: Partial<TransactionConfig> = {}, opts: { elect?: boolean; log?: FakeTxnLog } = {}): Promise<TxnHarness> {
  const clock = new ManualClock(START);
  const log = opts.log ?? new FakeTxnLog();
  if (!log.batches.has(0)) log.batches.set(0, []);
  const config = { ...transactionConfig({ 'transaction.state.log.num.partitions': 1 }), ...overrides };
  const state = new TransactionStateManager({ config, log, clock, logger: silentLogger() });
  await state.startup();
  const transport = new FakeMarkerTransport();
  const markers = new TransactionMarkerChannelManager({ state, transport, clock, log: silentLogger(), retryBackoffMs: 100 });
  const producerIds = new CountingProducerIds();
  const coordinator = new TxnCoordinator({ config, state, producerIds, markers, clock, log: silentLogger() });
  coordinator.startup();
  if (opts.elect !== false) await coordinator.onElection(0, 5);
  return { clock, log, transport, producerIds, state, markers, coordinator, config };
}

/** Lets queued microtasks, promise chains and setImmediate turns run. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Runs event-loop turns until `cond` holds (bounded). */
export async function until(cond: () => boolean, what: string, turns = 200): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error(`not reached: ${what}`);
}
