import { afterAll, beforeAll, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../../harness/cluster.js';
import { kafkaClient } from '../../harness/clients.js';

let cluster: TestCluster;
beforeAll(async () => { cluster = await startCluster({ brokers: 1, mode: 'in-process' }); });
afterAll(async () => { await cluster?.shutdown(); });

it('kafkajs group consumes', async () => {
  const kafka = kafkaClient(cluster.bootstrap);
  const admin = kafka.admin(); await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'g1', numPartitions: 3 }] , waitForLeaders: true});
  const p = kafka.producer(); await p.connect();
  await p.send({ topic: 'g1', messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
  const c = kafka.consumer({ groupId: 'grp1' }); await c.connect();
  await c.subscribe({ topic: 'g1', fromBeginning: true });
  const seen: string[] = [];
  await c.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
  const t0 = Date.now();
  while (seen.length < 30 && Date.now() - t0 < 30000) await new Promise(r => setTimeout(r, 200));
  expect(seen.length).toBe(30);
  await c.disconnect(); await p.disconnect(); await admin.disconnect();
});
