/**
 * C11 (transactions-and-compaction.md §5): `__transaction_state` is a compacted topic the coordinator
 * writes one record to per state change. After many changes and a cleaning pass each transactional id
 * keeps one live record (its latest state, which a coordinator failover loads); the tombstone of an id
 * expired by transactional.id.expiration.ms is kept for delete.retention.ms after its first cleaning and
 * then removed, so the id leaves no trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSACTION_STATE_TOPIC } from '../../../src/cluster/auto-topic-creation.js';
import { decodeTxnKey, decodeTxnValue } from '../../../src/coordinator/transaction/transaction-log.js';
import type { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { rawClient } from '../eos/eos-kit.js';
import { initTransactionalId } from '../transactions/txn-kit.js';
import { readRecords } from '../../../src/protocol/records/record.js';
import { CLEANER_TEST_CONFIG, storedBatches } from './compaction-kit.js';

const IDS = ['c11-a', 'c11-b', 'c11-c', 'c11-d'];
const ROUNDS = 15;
const FILLER_IDS = 40;

let cluster: Cluster;
let c: BrokerClient;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 1,
    inProcess: true,
    brokerConfig: {
      ...CLEANER_TEST_CONFIG,
      'transaction.state.log.num.partitions': 1,
      'transaction.state.log.segment.bytes': 1024, // a segment every few records: most of them cleanable
      'transactional.id.expiration.ms': 10_000, // the ids must outlive the first cleaning, then expire
      'log.cleaner.min.cleanable.ratio': 0.01,
      'transaction.remove.expired.transaction.cleanup.interval.ms': 300,
      'log.cleaner.delete.retention.ms': 500,
    },
  });
  c = rawClient(cluster.port(0));
});

afterAll(async () => {
  await c?.close();
  await cluster?.close();
});

/** One InitProducerId: the coordinator writes the id's new epoch to `__transaction_state`. */
const init = (transactionalId: string) => initTransactionalId(cluster, c, transactionalId);

interface TxnLogRecord {
  id: string;
  epoch: number | null; // null: tombstone
}

/**
 * Every record of `__transaction_state-0` as stored in the broker's log dir, in offset order. The
 * cleaner may swap a segment between listing and reading: that read answers null and is tried again.
 */
function readTransactionLog(): TxnLogRecord[] | null {
  try {
    return storedBatches(cluster.dataDir(0), TRANSACTION_STATE_TOPIC).flatMap((batch) =>
      readRecords(batch, { maxUncompressedBytes: 1 << 20 }).map((r) => ({
        id: decodeTxnKey(r.key!),
        epoch: r.value === null ? null : decodeTxnValue(r.value)!.producerEpoch,
      })),
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const recordsOf = (log: readonly TxnLogRecord[], id: string) => log.filter((r) => r.id === id);

describe('__transaction_state compaction', () => {
  it('many state changes: each id keeps one record, its latest epoch; expired ids leave tombstones, later removed', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      for (const id of IDS) expect((await init(id)).producerEpoch).toBe(round);
    }
    const written = (await cluster.waitFor(() => readTransactionLog(), 'the transaction log read')).length;
    expect(written).toBeGreaterThanOrEqual(IDS.length * ROUNDS);

    // Filler records keep the log dirty and push the ids' last records out of the active segment,
    // where the cleaner can reach them. The filler ids are many and kept alive: their latest records
    // span several segments after cleaning, so a tombstone ends up in an older cleaned segment than the
    // last one, which is what lets delete.retention.ms run out for it (Kafka's delete horizon is the
    // last cleaned segment's modification time minus the retention).
    let filler = 0;
    const fill = () => init(`c11-filler-${filler++ % FILLER_IDS}`);
    const compacted = await cluster.waitFor(
      async () => {
        await fill();
        const now = readTransactionLog();
        return now && IDS.every((id) => recordsOf(now, id).length === 1) ? now : null;
      },
      'one record per id',
      60_000,
    );
    for (const id of IDS) expect(recordsOf(compacted, id)).toEqual([{ id, epoch: ROUNDS - 1 }]);
    expect(compacted.length).toBeLessThan(written);
    // What survived is what a coordinator loads: the next InitProducerId continues the epoch.
    expect((await init(IDS[0]!)).producerEpoch).toBe(ROUNDS);

    // Left idle, the ids expire: a tombstone each, kept delete.retention.ms after its first cleaning,
    // then removed.
    const tombstoned = new Set<string>();
    await cluster.waitFor(
      async () => {
        await fill();
        const now = readTransactionLog();
        if (!now) return null;
        for (const id of IDS) if (recordsOf(now, id).some((r) => r.epoch === null)) tombstoned.add(id);
        return tombstoned.size === IDS.length && IDS.every((id) => recordsOf(now, id).length === 0) ? true : null;
      },
      'the expired ids tombstoned, then gone',
      90_000,
    );
  });
});
