/**
 * Shared Python (confluent-kafka-python, librdkafka 2.0.2) for the transaction tests: `read_all` reads whole
 * partitions from offset 0 to their end (for read_committed: the last stable offset) and returns the
 * values sorted; it fails when a partition end is not reached within 30 s.
 */
import { pythonJson } from '../../harness/clients.js';

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
