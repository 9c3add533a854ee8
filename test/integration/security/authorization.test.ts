/**
 * One broker with `authorizer.class.name=kafka.security.authorizer.AclAuthorizer`, super user
 * User:admin (also the inter-broker identity over SASL_PLAINTEXT), real clients:
 * - ACLs created with kafkajs' admin (createAcls) and kafka-python's KafkaAdminClient, read back
 *   from ZooKeeper as Kafka 2.7 stores them, described and deleted through the clients;
 * - kcat / kafkajs / kafka-python as alice: WRITE and READ where allowed, TOPIC_ and
 *   GROUP_AUTHORIZATION_FAILED where not, Metadata hiding topics alice may not describe;
 * - DENY wins over ALLOW, and removing the DENY restores access;
 * - mutual TLS: the client certificate's subject is the principal ACLs name;
 * - raw requests: Metadata v9 authorized operations, ClusterAction for LeaderAndIsr and follower
 *   fetches, IDEMPOTENT_WRITE for idempotent produce, the SCRAM credential APIs.
 */
import { readFileSync } from 'node:fs';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/messages/metadata.js';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../../src/protocol/messages/leader-and-isr.js';
import { FetchRequest, FetchResponse } from '../../../src/protocol/messages/fetch.js';
import { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js';
import {
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse,
} from '../../../src/protocol/messages/alter-user-scram-credentials.js';
import {
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse,
} from '../../../src/protocol/messages/describe-user-scram-credentials.js';
import { buildRecordBatch } from '../../../src/protocol/records/index.js';
import { saltedPassword, scramMechanism } from '../../../src/security/sasl/scram.js';
import type { Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, kcatMetadata, kcatProduce, pythonJson } from '../../harness/clients.js';
import type { TestIdentity, TestPki } from '../../../src/bench/pki.js';
import {
  addScramUser,
  kafkaPythonOptions,
  kafkajsOptions,
  newPki,
  rdkafkaProps,
  saslClient,
  saslLogin,
  securePorts,
  startAuthorizedBroker,
  tempDir,
  waitForLogin,
  type Credentials,
  type SecureListeners,
} from './security-kit.js';

let cluster: Cluster;
let pki: TestPki;
let ports: SecureListeners;
let carol: TestIdentity;
let cleanup: () => Promise<void>;

const ADMIN: Credentials = { mechanism: 'PLAIN', user: 'admin', password: 'admin-secret' };
const ALICE: Credentials = { mechanism: 'SCRAM-SHA-256', user: 'alice', password: 'alice-scram' };
const CAROL_DN = 'CN=carol,OU=test,O=Gregor,C=US';
const addr = (p: keyof SecureListeners) => `127.0.0.1:${ports[p]}`;
const admin = () => kafkaClients(addr('SASL_PLAINTEXT'), kafkajsOptions('SASL_PLAINTEXT', pki, ADMIN));

beforeAll(async () => {
  const tmp = await tempDir('gregor-sec-authz-');
  cleanup = tmp.remove;
  pki = await newPki(tmp.dir);
  carol = await pki.client('carol', '/C=US/O=Gregor/OU=test/CN=carol');
  ports = await securePorts();
  const users = { admin: 'admin-secret', alice: 'alice-plain' };
  cluster = await startAuthorizedBroker(pki, ports, users);
  await addScramUser(cluster.zk, 'alice', ALICE.password);
  await waitForLogin(ports.SASL_PLAINTEXT, ALICE);
  const clients = admin();
  try {
    const a = await clients.admin();
    await a.createTopics({ topics: ['orders', 'logs-app', 'secret', 'mtls'].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
  } finally {
    await clients.disconnectAll();
  }
});

afterAll(async () => {
  await cluster?.close();
  await cleanup?.();
});

const topicAcl = (resourceName: string, operation: number, principal = 'User:alice', permissionType = AclPermissionTypes.ALLOW, resourcePatternType = ResourcePatternTypes.LITERAL, host = '*') => ({
  resourceType: AclResourceTypes.TOPIC,
  resourceName,
  resourcePatternType,
  principal,
  host,
  operation,
  permissionType,
});

async function zkJson(path: string): Promise<unknown> {
  return JSON.parse((await cluster.zk.zk.getData(path)).data!.toString());
}

describe('ACLs through the admin APIs', () => {
  it('kafkajs createAcls writes Kafka 2.7 znodes and a change notification; describeAcls reads them back', async () => {
    const clients = admin();
    try {
      const a = await clients.admin();
      await a.createAcls({
        acl: [
          topicAcl('orders', AclOperationTypes.WRITE),
          topicAcl('logs-', AclOperationTypes.READ, 'User:alice', AclPermissionTypes.ALLOW, ResourcePatternTypes.PREFIXED),
          { ...topicAcl('alice-group', AclOperationTypes.READ), resourceType: AclResourceTypes.GROUP },
          topicAcl('mtls', AclOperationTypes.WRITE, `User:${CAROL_DN}`),
        ],
      });
      expect(await zkJson('/kafka-acl/Topic/orders')).toEqual({ version: 1, acls: [{ principal: 'User:alice', permissionType: 'Allow', operation: 'Write', host: '*' }] });
      expect(await zkJson('/kafka-acl-extended/prefixed/Topic/logs-')).toEqual({ version: 1, acls: [{ principal: 'User:alice', permissionType: 'Allow', operation: 'Read', host: '*' }] });
      expect(await zkJson('/kafka-acl/Group/alice-group')).toMatchObject({ acls: [{ principal: 'User:alice', operation: 'Read' }] });
      const changes = await cluster.zk.zk.getChildren('/kafka-acl-changes');
      const bodies = await Promise.all(changes.map(async (c) => (await cluster.zk.zk.getData(`/kafka-acl-changes/${c}`)).data!.toString()));
      expect(bodies).toEqual(expect.arrayContaining(['TOPIC:orders', 'GROUP:alice-group', 'TOPIC:mtls']));
      const described = await a.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal: 'User:alice',
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      expect(described.resources.map((r) => `${r.resourceType}:${r.resourceName}:${r.resourcePatternType}`).sort()).toEqual([
        `${AclResourceTypes.TOPIC}:logs-:${ResourcePatternTypes.PREFIXED}`,
        `${AclResourceTypes.TOPIC}:orders:${ResourcePatternTypes.LITERAL}`,
        `${AclResourceTypes.GROUP}:alice-group:${ResourcePatternTypes.LITERAL}`,
      ].sort());
    } finally {
      await clients.disconnectAll();
    }
  });

  it('kafka-python KafkaAdminClient creates and describes ACLs too', async () => {
    const script = `
import json, sys
from kafka import KafkaAdminClient
from kafka.admin import ACL, ACLFilter, ResourcePattern, ResourcePatternFilter, ResourceType, ACLOperation, ACLPermissionType, ACLResourcePatternType
opts = json.loads(sys.argv[2])
a = KafkaAdminClient(bootstrap_servers=sys.argv[1], api_version_auto_timeout_ms=10000, **opts)
acl = ACL(principal='User:alice', host='*', operation=ACLOperation.DESCRIBE, permission_type=ACLPermissionType.ALLOW,
          resource_pattern=ResourcePattern(ResourceType.TOPIC, 'py-topic', ACLResourcePatternType.LITERAL))
res = a.create_acls([acl])
found, err = a.describe_acls(ACLFilter(principal='User:alice', host='*', operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
          resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, 'py-topic', ACLResourcePatternType.LITERAL)))
a.close()
print(json.dumps({'succeeded': len(res['succeeded']), 'failed': len(res['failed']), 'found': [str(x.resource_pattern.resource_name) for x in found]}))
`;
    const r = await pythonJson<{ succeeded: number; failed: number; found: string[] }>(script, [addr('SASL_PLAINTEXT'), JSON.stringify(kafkaPythonOptions('SASL_PLAINTEXT', pki, ADMIN))]);
    expect(r).toEqual({ succeeded: 1, failed: 0, found: ['py-topic'] });
    expect(await zkJson('/kafka-acl/Topic/py-topic')).toMatchObject({ acls: [{ principal: 'User:alice', operation: 'Describe' }] });
  });
});

describe('enforcement', () => {
  const aliceProps = () => rdkafkaProps('SASL_PLAINTEXT', pki, ALICE);

  it('alice writes where she may and is refused elsewhere (kcat)', async () => {
    await kcatProduce(addr('SASL_PLAINTEXT'), 'orders', ['o1'], { props: aliceProps() });
    await expect(kcatProduce(addr('SASL_PLAINTEXT'), 'secret', ['s1'], { props: aliceProps(), timeoutMs: 20_000 })).rejects.toThrow(/[Aa]uthorization/);
  });

  it('Metadata shows alice only the topics she may describe', async () => {
    const md = await kcatMetadata(addr('SASL_PLAINTEXT'), { props: aliceProps() });
    expect(md.topics.map((t) => t.topic).sort()).toEqual(['logs-app', 'orders']);
    const all = await kcatMetadata(addr('SASL_PLAINTEXT'), { props: rdkafkaProps('SASL_PLAINTEXT', pki, ADMIN) });
    expect(all.topics.map((t) => t.topic)).toEqual(expect.arrayContaining(['orders', 'logs-app', 'secret', 'mtls']));
  });

  it('a consumer needs READ on its group (kafkajs) and on the topic', async () => {
    await kcatProduce(addr('SASL_PLAINTEXT'), 'logs-app', ['l1', 'l2'], { props: rdkafkaProps('SASL_PLAINTEXT', pki, ADMIN) });
    const clients = kafkaClients(addr('SASL_PLAINTEXT'), kafkajsOptions('SASL_PLAINTEXT', pki, ALICE));
    try {
      const ok = await clients.consumer({ groupId: 'alice-group' });
      await ok.subscribe({ topic: 'logs-app', fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        ok.run({ eachMessage: async ({ message }) => {
          seen.push(message.value!.toString());
          if (seen.length === 2) resolve();
        } }).catch(reject);
      });
      expect(seen).toEqual(['l1', 'l2']);
      // DESCRIBE but not READ on the group: the coordinator is found, joining is refused
      const a = await admin().admin();
      await a.createAcls({ acl: [{ ...topicAcl('describe-only', AclOperationTypes.DESCRIBE), resourceType: AclResourceTypes.GROUP }] });
      await a.disconnect();
      const denied = await clients.consumer({ groupId: 'describe-only' });
      await denied.subscribe({ topic: 'logs-app', fromBeginning: true });
      const failure = await new Promise<Error>((resolve) => {
        denied.on(denied.events.CRASH, (e) => resolve(e.payload.error));
        denied.run({ eachMessage: async () => {} }).catch(resolve);
      });
      expect((failure as { type?: string }).type).toBe('GROUP_AUTHORIZATION_FAILED');
    } finally {
      await clients.disconnectAll();
    }
  });

  it('kafka-python as alice reads with assign() and is not shown the topics she may not describe', async () => {
    // (kafka-python 2.0.2 turns a single-topic TOPIC_AUTHORIZATION_FAILED into a metadata retry loop,
    // against Kafka too, so the refusal is observed through the topic listing.)
    const script = `
import json, sys
from kafka import KafkaConsumer, TopicPartition
opts = json.loads(sys.argv[2])
c = KafkaConsumer(bootstrap_servers=sys.argv[1], enable_auto_commit=False, consumer_timeout_ms=8000, api_version_auto_timeout_ms=10000, **opts)
tp = TopicPartition('logs-app', 0)
c.assign([tp]); c.seek_to_beginning(tp)
got = [m.value.decode() for m in c]
topics = sorted(c.topics())
c.close()
print(json.dumps({'got': got, 'topics': topics}))
`;
    const r = await pythonJson<{ got: string[]; topics: string[] }>(script, [addr('SASL_PLAINTEXT'), JSON.stringify(kafkaPythonOptions('SASL_PLAINTEXT', pki, ALICE))]);
    expect(r).toEqual({ got: ['l1', 'l2'], topics: ['logs-app', 'orders'] });
  });

  it('a DENY wins over the ALLOW; deleting it restores access', async () => {
    const clients = admin();
    try {
      const a = await clients.admin();
      await a.createAcls({ acl: [topicAcl('orders', AclOperationTypes.WRITE, 'User:alice', AclPermissionTypes.DENY, ResourcePatternTypes.LITERAL, '127.0.0.1')] });
      await expect(kcatProduce(addr('SASL_PLAINTEXT'), 'orders', ['o2'], { props: aliceProps(), timeoutMs: 20_000 })).rejects.toThrow(/[Aa]uthorization/);
      const deleted = await a.deleteAcls({ filters: [topicAcl('orders', AclOperationTypes.ANY, 'User:alice', AclPermissionTypes.DENY, ResourcePatternTypes.LITERAL, '127.0.0.1')] });
      expect(deleted.filterResponses[0]!.matchingAcls).toHaveLength(1);
      expect(await zkJson('/kafka-acl/Topic/orders')).toEqual({ version: 1, acls: [{ principal: 'User:alice', permissionType: 'Allow', operation: 'Write', host: '*' }] });
      await kcatProduce(addr('SASL_PLAINTEXT'), 'orders', ['o3'], { props: aliceProps() });
    } finally {
      await clients.disconnectAll();
    }
  });

  it('mutual TLS: the certificate subject is the principal; without a certificate the client is ANONYMOUS', async () => {
    await kcatProduce(addr('SSL'), 'mtls', ['m1'], { props: rdkafkaProps('SSL', pki, undefined, carol) });
    const read = await kcatConsume(addr('SSL'), 'mtls', { count: 1, props: rdkafkaProps('SSL', pki, undefined, carol), timeoutMs: 15_000, allowPartial: true });
    expect(read).toEqual([]); // carol may write but not read
    await expect(kcatProduce(addr('SSL'), 'mtls', ['m2'], { props: rdkafkaProps('SSL', pki), timeoutMs: 20_000 })).rejects.toThrow(/[Aa]uthorization/);
    const got = await kcatConsume(addr('SASL_SSL'), 'mtls', { count: 1, props: rdkafkaProps('SASL_SSL', pki, ADMIN) });
    expect(got.map((m) => m.value)).toEqual(['m1']);
  });

  it('ssl.client.auth=requested: a certificate from an unknown CA is refused, not taken as ANONYMOUS', async () => {
    const stranger = await pki.foreignClient('stranger');
    await expect(kcatMetadata(addr('SSL'), { props: rdkafkaProps('SSL', pki, undefined, stranger), timeoutMs: 6000 })).rejects.toThrow();
    await cluster.waitFor(
      () => /"listener":"SSL".*TLS client refused: certificate not trusted/.test(readFileSync(cluster.logFile(0), 'utf8')),
      'the refusal in the broker log',
      10_000,
    );
    expect((await kcatMetadata(addr('SSL'), { props: rdkafkaProps('SSL', pki, undefined, carol) })).brokers).toHaveLength(1);
  });

  it('a kafkajs transactional producer needs IDEMPOTENT_WRITE (kafkajs connects as an idempotent producer) and WRITE on its transactional id; sendOffsets READ on the group', async () => {
    const clients = kafkaClients(addr('SASL_PLAINTEXT'), kafkajsOptions('SASL_PLAINTEXT', pki, ALICE));
    const adminClients = admin();
    const idempotentWrite = {
      resourceType: AclResourceTypes.CLUSTER,
      resourceName: 'kafka-cluster',
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal: 'User:alice',
      host: '*',
      operation: AclOperationTypes.IDEMPOTENT_WRITE,
      permissionType: AclPermissionTypes.ALLOW,
    };
    const config = { transactionalId: 'alice-tx', idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 100 } };
    try {
      await expect(clients.producer(config)).rejects.toThrow(/Cluster authorization failed/);
      const a = await adminClients.admin();
      await a.createAcls({ acl: [idempotentWrite] });
      const refused = await clients.producer(config);
      // FindCoordinator for the transactional id answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED; kafkajs reports it so
      await expect(refused.transaction()).rejects.toThrow(/Failed to find group coordinator/);
      await a.createAcls({
        acl: [{ resourceType: AclResourceTypes.TRANSACTIONAL_ID, resourceName: 'alice-tx', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:alice', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.ALLOW }],
      });
      expect(await zkJson('/kafka-acl/TransactionalId/alice-tx')).toEqual({ version: 1, acls: [{ principal: 'User:alice', permissionType: 'Allow', operation: 'Write', host: '*' }] });
      const producer = await clients.producer(config);
      const tx = await producer.transaction();
      await tx.send({ topic: 'orders', messages: [{ value: 'in-an-aborted-transaction' }] });
      await expect(tx.sendOffsets({ consumerGroupId: 'alice-txn-group', topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '1' }] }] })).rejects.toThrow(/Group authorization failed/i);
      await tx.abort();
      const tx2 = await producer.transaction();
      await tx2.send({ topic: 'orders', messages: [{ value: 'committed-by-alice' }] });
      await tx2.commit();
      const read = await kcatConsume(addr('SASL_PLAINTEXT'), 'orders', { props: { ...rdkafkaProps('SASL_PLAINTEXT', pki, ADMIN), 'isolation.level': 'read_committed' } });
      expect(read.map((m) => m.value)).toContain('committed-by-alice');
      expect(read.map((m) => m.value)).not.toContain('in-an-aborted-transaction');
    } finally {
      // the later raw tests expect alice without IDEMPOTENT_WRITE
      await (await adminClients.admin()).deleteAcls({ filters: [idempotentWrite] });
      await clients.disconnectAll();
      await adminClients.disconnectAll();
    }
  });
});

describe('raw requests', () => {
  it('Metadata v9 answers the operations the principal holds', async () => {
    const ask = async (creds: Credentials) => {
      const c = saslClient(ports.SASL_PLAINTEXT, creds);
      try {
        return await c.send({ request: MetadataRequest, response: MetadataResponse }, 9, {
          topics: [{ name: 'orders' }, { name: 'secret' }],
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: true,
          includeTopicAuthorizedOperations: true,
        });
      } finally {
        await c.close();
      }
    };
    const asAlice = await ask(ALICE);
    expect(asAlice.clusterAuthorizedOperations).toBe(0); // no DESCRIBE on the cluster
    const orders = asAlice.topics.find((t) => t.name === 'orders')!;
    expect(orders.topicAuthorizedOperations).toBe((1 << 4) | (1 << 8)); // WRITE, and DESCRIBE it implies
    expect(asAlice.topics.find((t) => t.name === 'secret')!.errorCode).toBe(ErrorCode.TopicAuthorizationFailed);
    const asAdmin = await ask(ADMIN);
    expect(asAdmin.clusterAuthorizedOperations).toBe([5, 7, 8, 9, 10, 11, 12].reduce((f, op) => f | (1 << op), 0));
    expect(asAdmin.topics.every((t) => t.topicAuthorizedOperations === [3, 4, 5, 6, 7, 8, 10, 11].reduce((f, op) => f | (1 << op), 0))).toBe(true);
  });

  it('inter-broker requests need CLUSTER_ACTION; a follower fetch without it is TOPIC_AUTHORIZATION_FAILED', async () => {
    const c = saslClient(ports.SASL_PLAINTEXT, ALICE);
    try {
      const lai = await c.send({ request: LeaderAndIsrRequest, response: LeaderAndIsrResponse }, 4, {
        controllerId: 0,
        controllerEpoch: 99,
        brokerEpoch: -1,
        ungroupedPartitionStates: [],
        topicStates: [],
        liveLeaders: [],
      } as never);
      expect(lai.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
      const fetch = await c.send({ request: FetchRequest, response: FetchResponse }, 11, {
        replicaId: 1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: 'orders', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 1024 }] }],
        forgottenTopicsData: [],
        rackId: '',
      } as never);
      expect(fetch.responses[0]!.partitionResponses[0]!.errorCode).toBe(ErrorCode.TopicAuthorizationFailed);
    } finally {
      await c.close();
    }
  });

  it('an idempotent batch needs IDEMPOTENT_WRITE on the cluster', async () => {
    const c = saslClient(ports.SASL_PLAINTEXT, ALICE);
    try {
      const records = buildRecordBatch([{ timestamp: Date.now(), value: Buffer.from('x') }], { producerId: 5, producerEpoch: 0, baseSequence: 0 });
      const r = await c.send({ request: ProduceRequest, response: ProduceResponse }, 8, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, records }] }],
      } as never);
      expect(r.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
    } finally {
      await c.close();
    }
  });

  it('AlterUserScramCredentials creates a user that can log in; Describe lists it; both need cluster rights', async () => {
    const m = scramMechanism('SCRAM-SHA-512')!;
    const salt = Buffer.from('erin-salt');
    const c = saslClient(ports.SASL_PLAINTEXT, ADMIN);
    const asAlice = saslClient(ports.SASL_PLAINTEXT, ALICE);
    try {
      const alter = await c.send({ request: AlterUserScramCredentialsRequest, response: AlterUserScramCredentialsResponse }, 0, {
        deletions: [],
        upsertions: [
          { name: 'erin', mechanism: m.type, iterations: 8192, salt, saltedPassword: saltedPassword(m, 'erin-pw', salt, 8192) },
          { name: 'weak', mechanism: m.type, iterations: 100, salt, saltedPassword: Buffer.alloc(64) },
        ],
      });
      expect(alter.results.map((r) => [r.user, r.errorCode, r.errorMessage])).toEqual(
        expect.arrayContaining([
          ['erin', 0, null],
          ['weak', ErrorCode.UnacceptableCredential, 'Too few iterations'],
        ]),
      );
      await waitForLogin(ports.SASL_PLAINTEXT, { mechanism: 'SCRAM-SHA-512', user: 'erin', password: 'erin-pw' });
      const described = await c.send({ request: DescribeUserScramCredentialsRequest, response: DescribeUserScramCredentialsResponse }, 0, { users: [{ name: 'erin' }, { name: 'nobody' }] });
      expect(described.results).toEqual([
        { user: 'erin', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 8192 }] },
        { user: 'nobody', errorCode: ErrorCode.ResourceNotFound, errorMessage: 'Attempt to describe a user credential that does not exist: nobody', credentialInfos: [] },
      ]);
      const denied = await asAlice.send({ request: DescribeUserScramCredentialsRequest, response: DescribeUserScramCredentialsResponse }, 0, { users: null });
      expect(denied.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
      const deniedAlter = await asAlice.send({ request: AlterUserScramCredentialsRequest, response: AlterUserScramCredentialsResponse }, 0, { deletions: [{ name: 'erin', mechanism: m.type }], upsertions: [] });
      expect(deniedAlter.results).toEqual([{ user: 'erin', errorCode: ErrorCode.ClusterAuthorizationFailed, errorMessage: null }]);
      await saslLogin(ports.SASL_PLAINTEXT, { mechanism: 'SCRAM-SHA-512', user: 'erin', password: 'erin-pw' });
    } finally {
      await c.close();
      await asAlice.close();
    }
  });
});
