/**
 * Shared pieces of the transaction tests:
 * - `initTransactionalId`: FindCoordinator + InitProducerId on the raw client until the coordinator
 *   answers something other than a retriable coordinator error;
 * - Python (confluent-kafka-python, librdkafka 2.0.2): `read_all` reads whole partitions from offset 0
 *   to their end (for read_committed: the last stable offset) and returns the values sorted; it fails
 *   when a partition end is not reached within 30 s.
 */
import type { BrokerClient } from '../../../src/network/client.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../../src/protocol/messages/find-coordinator.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../../src/protocol/messages/init-producer-id.js';
import type { MessageValue } from '../../../src/protocol/schema.js';
import type { Cluster } from '../../harness/cluster.js';
import { pythonJson } from '../../harness/clients.js';

type InitProducerIdAnswer = MessageValue<typeof InitProducerIdResponse>;

const RETRIABLE: readonly number[] = [ErrorCode.CoordinatorNotAvailable, ErrorCode.NotCoordinator, ErrorCode.CoordinatorLoadInProgress, ErrorCode.ConcurrentTransactions];

export interface InitOptions {
  readonly version?: number;
  readonly timeoutMs?: number;
  readonly producerId?: number;
  readonly producerEpoch?: number;
}

/** One InitProducerId, as sent. */
export function sendInitProducerId(c: BrokerClient, transactionalId: string | null, o: InitOptions = {}): Promise<InitProducerIdAnswer> {
  return c.send({ request: InitProducerIdRequest, response: InitProducerIdResponse }, o.version ?? 4, {
    transactionalId,
    transactionTimeoutMs: o.timeoutMs ?? 60_000,
    producerId: o.producerId ?? -1,
    producerEpoch: o.producerEpoch ?? -1,
  });
}

/** FindCoordinator (which creates `__transaction_state`) and InitProducerId until no retriable coordinator error is left. */
export function initTransactionalId(cluster: Cluster, c: BrokerClient, transactionalId: string, o: InitOptions = {}): Promise<InitProducerIdAnswer> {
  return cluster.waitFor(async () => {
    await c.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, 2, { key: transactionalId, keyType: 1 });
    const r = await sendInitProducerId(c, transactionalId, o);
    return RETRIABLE.includes(r.errorCode) ? null : r;
  }, `InitProducerId for ${transactionalId}`);
}

export const PY_READ_ALL = `
import json, sys, time
from confluent_kafka import Consumer, Producer, TopicPartition, KafkaError, KafkaException
def read_all(bootstrap, topic, partitions, isolation='read_committed'):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'reader-%s-%f' % (topic, time.time()), 'isolation.level': isolation,
                  'enable.partition.eof': True, 'enable.auto.commit': False})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out, eof, deadline = [], set(), time.time() + 30
    while len(eof) < partitions and time.time() < deadline:
        m = c.poll(1)
        if m is None: continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF: eof.add(m.partition()); continue
            raise Exception(str(m.error()))
        out.append(m.value().decode())
    c.close()
    if len(eof) < partitions: raise Exception('partition end not reached: %s' % sorted(eof))
    return sorted(out)
`;

/** The topic's values as a librdkafka consumer of `isolation` reads them, sorted. */
export function pythonReadAll(bootstrap: string, topic: string, partitions: number, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): Promise<string[]> {
  return pythonJson<string[]>(`${PY_READ_ALL}\nprint(json.dumps(read_all(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])))`, [bootstrap, topic, String(partitions), isolation], {
    timeoutMs: 90_000,
  });
}
