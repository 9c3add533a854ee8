/**
 * A 3-broker cluster whose brokers talk SASL_SSL: the harness's REPLICATION listener (SCRAM-SHA-512
 * as User:broker, credentials in ZooKeeper before the brokers start, as with kafka-configs.sh) and
 * EXTERNAL for clients, with the AclAuthorizer (super.users=User:broker;User:admin). Shows that the
 * controller channel, the follower fetchers and controlled shutdown work over SASL_SSL:
 * - a topic with replication factor 3 reaches ISR [0,1,2]; acks=all produce succeeds;
 * - the leader is killed: a new leader is elected, produce and consume continue with nothing lost;
 *   the broker restarts and rejoins the ISR;
 * - an ACL created through one broker reaches every broker's cache (change notifications);
 * - transactions: the transaction coordinator's WriteTxnMarkers reach the partition leaders over
 *   REPLICATION (SASL_SSL): a kafkajs transaction committed over three partitions led by different
 *   brokers and one aborted; kcat read_committed sees exactly the committed records.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import { freePort } from '../../../src/zk/server-process.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/messages/metadata.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, kcatProduce } from '../../harness/clients.js';
import type { TestPki } from '../../../src/bench/pki.js';
import { removeChroot, zkServers } from '../../harness/zookeeper.js';
import { addScramUser, kafkajsOptions, newPki, rdkafkaProps, saslClient, scramJaas, sslKeys, tempDir, type Credentials } from './security-kit.js';

let cluster: Cluster;
let pki: TestPki;
let zkConnect: string;
let cleanup: () => Promise<void>;
const external = new Map<number, number>();

const ADMIN: Credentials = { mechanism: 'SCRAM-SHA-512', user: 'admin', password: 'admin-pw' };
const ALICE: Credentials = { mechanism: 'SCRAM-SHA-512', user: 'alice', password: 'alice-pw' };
const TOPIC = 'secure-rf3';
const tp = { topic: TOPIC, partition: 0 };
const bootstrap = () => [...external.values()].map((p) => `127.0.0.1:${p}`).join(',');
const adminProps = () => ({ ...rdkafkaProps('SASL_SSL', pki, ADMIN), 'ssl.endpoint.identification.algorithm': 'https' });

beforeAll(async () => {
  const tmp = await tempDir('gregor-sec-cluster-');
  cleanup = tmp.remove;
  pki = await newPki(tmp.dir);
  zkConnect = `${zkServers()}/gregor-secure-${randomBytes(5).toString('hex')}`;
  // The inter-broker SCRAM credential must exist before the brokers talk to each other.
  const zk = await KafkaZkClient.connect({ connectString: zkConnect, sessionTimeoutMs: 10_000 });
  try {
    await zk.createTopLevelPaths();
    for (const [user, password] of [['broker', 'broker-pw'], ['admin', 'admin-pw'], ['alice', 'alice-pw']] as const) await addScramUser(zk, user, password);
  } finally {
    await zk.close();
  }
  for (const id of [0, 1, 2]) external.set(id, await freePort());
  cluster = await startCluster({
    brokers: 3,
    zookeeperConnect: zkConnect,
    listenerSecurity: {
      replication: 'SASL_SSL',
      extraListeners: (id) => ({ EXTERNAL: { protocol: 'SASL_SSL', port: external.get(id)! } }),
    },
    brokerConfig: {
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
      'listener.name.replication.scram-sha-512.sasl.jaas.config': scramJaas({ user: 'broker', password: 'broker-pw' }),
      'listener.name.external.scram-sha-512.sasl.jaas.config': scramJaas(),
      ...sslKeys(pki),
      'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      'super.users': 'User:broker;User:admin',
      'min.insync.replicas': 2,
      'default.replication.factor': 3,
    },
  });
});

afterAll(async () => {
  await cluster?.close();
  await removeChroot(zkConnect);
  await cleanup?.();
});

describe('inter-broker traffic over SASL_SSL', () => {
  it('brokers register the inter-broker and client listeners as SASL_SSL (beside the harness\'s PLAINTEXT one, where ANONYMOUS may do nothing)', async () => {
    const b = await cluster.zk.getBroker(0);
    expect(b!.endpoints.map((e) => `${e.listenerName}:${e.securityProtocol}`)).toEqual(['PLAINTEXT:PLAINTEXT', 'REPLICATION:SASL_SSL', 'EXTERNAL:SASL_SSL']);
  });

  it('replicates a replication-factor-3 topic, survives the leader being killed, and rejoins the ISR', async () => {
    const clients = kafkaClients(bootstrap(), kafkajsOptions('SASL_SSL', pki, ADMIN));
    try {
      const admin = await clients.admin();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: true });
    } finally {
      await clients.disconnectAll();
    }
    await cluster.waitForIsr(tp, [0, 1, 2], { timeoutMs: 60_000 });
    const first = Array.from({ length: 50 }, (_, i) => `a-${i}`);
    await kcatProduce(bootstrap(), TOPIC, first, { acks: 'all', props: adminProps() });
    const leader = await cluster.waitForLeader(tp);
    await cluster.kill(leader);
    const next = await cluster.waitForLeader(tp, { not: leader, timeoutMs: 60_000 });
    expect(next).not.toBe(leader);
    const second = Array.from({ length: 50 }, (_, i) => `b-${i}`);
    await kcatProduce(bootstrap(), TOPIC, second, { acks: 'all', props: adminProps(), timeoutMs: 60_000 });
    const got = await kcatConsume(bootstrap(), TOPIC, { count: 100, props: adminProps(), timeoutMs: 60_000 });
    expect(got.map((m) => m.value)).toEqual([...first, ...second]);
    await cluster.start(leader);
    await cluster.waitForIsr(tp, [0, 1, 2], { timeoutMs: 60_000 });
  });

  it('an ACL created through one broker reaches every broker', async () => {
    const describeAsAlice = async (id: number) => {
      const c = saslClient(external.get(id)!, ALICE, { tls: { ca: [pki.caText] } });
      try {
        const r = await c.send({ request: MetadataRequest, response: MetadataResponse }, 9, {
          topics: [{ name: TOPIC }],
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        });
        return r.topics[0]!.errorCode;
      } finally {
        await c.close();
      }
    };
    for (const id of [0, 1, 2]) expect(await describeAsAlice(id)).toBe(ErrorCode.TopicAuthorizationFailed);
    const clients = kafkaClients(`127.0.0.1:${external.get(0)}`, kafkajsOptions('SASL_SSL', pki, ADMIN));
    try {
      const admin = await clients.admin();
      await admin.createAcls({
        acl: [{ resourceType: AclResourceTypes.TOPIC, resourceName: TOPIC, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW }],
      });
    } finally {
      await clients.disconnectAll();
    }
    for (const id of [0, 1, 2]) {
      await cluster.waitFor(async () => (await describeAsAlice(id)) === ErrorCode.None, `broker ${id} lets alice describe ${TOPIC}`, 30_000);
    }
  });

  it('transaction markers travel over SASL_SSL: committed records are visible to read_committed, aborted ones are not', async () => {
    const topic = 'secure-txn';
    const clients = kafkaClients(bootstrap(), kafkajsOptions('SASL_SSL', pki, ADMIN));
    try {
      const admin = await clients.admin();
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true });
      const leaders = await Promise.all([0, 1, 2].map((partition) => cluster.waitForLeader({ topic, partition })));
      const producer = await clients.producer({ transactionalId: 'secure-tx', idempotent: true, maxInFlightRequests: 1 });
      const send = async (prefix: string, commit: boolean) => {
        const tx = await producer.transaction();
        for (const partition of [0, 1, 2]) await tx.send({ topic, messages: [{ partition, value: `${prefix}-${partition}` }] });
        await (commit ? tx.commit() : tx.abort());
      };
      await send('committed', true);
      await send('aborted', false);
      await send('later', true);
      await producer.disconnect();
      const read = await kcatConsume(bootstrap(), topic, { props: { ...adminProps(), 'isolation.level': 'read_committed' }, timeoutMs: 60_000 });
      expect(read.map((m) => m.value).sort()).toEqual(['committed-0', 'committed-1', 'committed-2', 'later-0', 'later-1', 'later-2']);
      // the partitions' leaders were not all the coordinator: markers went to other brokers
      expect(new Set(leaders).size).toBeGreaterThan(1);
    } finally {
      await clients.disconnectAll();
    }
  });
});
