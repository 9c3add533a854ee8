/**
 * transactional.id.expiration.ms on a real broker (transactions-and-compaction.md §2.14): an id left idle
 * (no transaction open) longer than the expiration is removed by the coordinator's periodic pass
 * (transaction.remove.expired.transaction.cleanup.interval.ms) with a tombstone in `__transaction_state`;
 * the next InitProducerId for it starts over with a new producer id at epoch 0. An id with a transaction
 * open never expires, however long it waits (the transaction times out and is aborted instead).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSACTION_STATE_TOPIC } from '../../../src/cluster/auto-topic-creation.js';
import type { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../../src/protocol/messages/add-partitions-to-txn.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, type KafkaClients } from '../../harness/clients.js';
import { rawClient } from '../eos/eos-kit.js';
import { initTransactionalId } from './txn-kit.js';

const EXPIRATION_MS = 2000;
const TOPIC = 'expiry-data';

let cluster: Cluster;
let clients: KafkaClients;
let c: BrokerClient;

beforeAll(async () => {
  cluster = await startCluster({
    brokers: 1,
    inProcess: true,
    brokerConfig: {
      'transactional.id.expiration.ms': EXPIRATION_MS,
      'transaction.remove.expired.transaction.cleanup.interval.ms': 300,
      // the open transaction below must outlive several expiry passes without being aborted
      'transaction.max.timeout.ms': 900_000,
    },
  });
  clients = kafkaClients(cluster.bootstrapServers);
  const admin = await clients.admin();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }] });
  c = rawClient(cluster.port(0));
});

afterAll(async () => {
  await c?.close();
  await clients?.disconnectAll();
  await cluster?.close();
});

const init = (transactionalId: string, timeoutMs = 60_000) => initTransactionalId(cluster, c, transactionalId, { timeoutMs });

/** The values kcat reads for the id's key in `__transaction_state`, in log order (null = tombstone). */
async function logValuesOf(transactionalId: string): Promise<Array<'record' | 'tombstone'>> {
  const messages = await kcatConsume(cluster.bootstrapServers, TRANSACTION_STATE_TOPIC, { props: { 'check.crcs': true } });
  return messages.filter((m) => m.key?.endsWith(transactionalId)).map((m) => (m.value === null ? 'tombstone' : 'record'));
}

describe('transactional id expiry', () => {
  it('an idle id is tombstoned after transactional.id.expiration.ms and starts over with a new producer id', async () => {
    const first = await init('expiring');
    expect(first.errorCode).toBe(ErrorCode.None);
    expect(first.producerEpoch).toBe(0);
    const again = await init('expiring');
    expect(again.producerId).toBe(first.producerId); // not yet expired: the same id, epoch bumped
    expect(again.producerEpoch).toBe(1);

    await cluster.waitFor(async () => ((await logValuesOf('expiring')).at(-1) === 'tombstone' ? true : null), 'tombstone for the expired id', 30_000);
    const fresh = await init('expiring');
    expect(fresh.errorCode).toBe(ErrorCode.None);
    expect(fresh.producerId).not.toBe(first.producerId);
    expect(fresh.producerEpoch).toBe(0);
    expect((await logValuesOf('expiring')).at(-1)).toBe('record');
  });

  it('an id with a transaction open does not expire', async () => {
    const open = await init('open-txn', 600_000);
    const added = await c.send({ request: AddPartitionsToTxnRequest, response: AddPartitionsToTxnResponse }, 1, {
      transactionalId: 'open-txn',
      producerId: open.producerId,
      producerEpoch: open.producerEpoch,
      topics: [{ name: TOPIC, partitions: [0] }],
    });
    expect(added.results[0]!.results[0]!.errorCode).toBe(ErrorCode.None);
    // 'expiring' of the first test expires again meanwhile: proof that expiry passes ran during the wait
    await init('expiring');
    await cluster.waitFor(async () => ((await logValuesOf('expiring')).at(-1) === 'tombstone' ? true : null), 'a later expiry pass', 30_000);
    expect(await logValuesOf('open-txn')).not.toContain('tombstone');
    const resumed = await init('open-txn', 600_000); // fences the open transaction: same producer id
    expect(resumed.producerId).toBe(open.producerId);
  });
});
