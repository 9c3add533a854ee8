/**
 * One broker with PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL listeners at once, and the four real
 * clients on each secure protocol:
 * - kcat (librdkafka 2.0.2): SSL (server verified against the test CA), SASL_PLAINTEXT with PLAIN,
 *   SCRAM-SHA-256 and SCRAM-SHA-512, SASL_SSL with SCRAM-SHA-512 — produce then consume;
 * - confluent-kafka-python (librdkafka): the same cases as kcat plus SASL_SSL SCRAM-SHA-256;
 * - kafka-python 2.0.2 (SaslHandshake v0 + raw tokens): SSL, SASL_PLAINTEXT PLAIN and SCRAM, SASL_SSL;
 * - kafkajs 2.2.4: SSL, SASL_PLAINTEXT PLAIN / SCRAM-SHA-256 / SCRAM-SHA-512, SASL_SSL;
 * - SCRAM users come from /config/users/<user> written as kafka-configs.sh writes them; a user
 *   added while the broker runs can log in as soon as its /config/changes notification is processed;
 * - the metadata each listener returns advertises that listener's endpoints;
 * - the SSL listener serves from a PEM keystore, SASL_SSL from a PKCS12 one (listener.name overrides);
 * - gregor's Kafka tools reach the secure listeners with Kafka's client properties files
 *   (--command-config, --producer.config, --consumer.config; --consumer-property over the file).
 */
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetadataRequest, MetadataResponse } from '../../../src/protocol/messages/metadata.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatConsume, kcatMetadata, kcatProduce, pythonJson, run } from '../../harness/clients.js';
import { gregorCommand } from '../../../src/testing/broker-process.js';
import type { TestPki } from '../../../src/bench/pki.js';
import {
  addScramUser,
  kafkaPythonOptions,
  kafkajsOptions,
  newPki,
  rdkafkaProps,
  secureBrokerConfig,
  secureListeners,
  securePorts,
  saslClient,
  saslLogin,
  tempDir,
  waitForLogin,
  type Credentials,
  type Protocol,
  type SecureListeners,
} from './security-kit.js';

let cluster: Cluster;
let pki: TestPki;
let ports: SecureListeners;
let cleanup: () => Promise<void>;
let dir: string;

const USERS = { admin: 'admin-secret', alice: 'alice-secret' };

beforeAll(async () => {
  const tmp = await tempDir('gregor-sec-listeners-');
  cleanup = tmp.remove;
  dir = tmp.dir;
  pki = await newPki(tmp.dir);
  ports = await securePorts();
  cluster = await startCluster({
    brokers: 1,
    listenerSecurity: secureListeners(ports),
    brokerConfig: {
      ...secureBrokerConfig(pki, USERS),
      // the SSL listener keeps the PEM keystore; SASL_SSL serves from a PKCS12 one
      'listener.name.sasl_ssl.ssl.keystore.type': 'PKCS12',
      'listener.name.sasl_ssl.ssl.keystore.location': pki.broker.p12,
      'listener.name.sasl_ssl.ssl.keystore.password': pki.password,
    },
  });
  await addScramUser(cluster.zk, 'alice', 'alice-scram');
  await addScramUser(cluster.zk, 'bob', 'bob-scram');
  await waitForLogin(ports.SASL_PLAINTEXT, { mechanism: 'SCRAM-SHA-512', user: 'bob', password: 'bob-scram' });
});

afterAll(async () => {
  await cluster?.close();
  await cleanup?.();
});

const addr = (p: Protocol): string => `127.0.0.1:${ports[p]}`;

const cases: Array<{ name: string; protocol: Protocol; sasl?: Credentials }> = [
  { name: 'SSL', protocol: 'SSL' },
  { name: 'SASL_PLAINTEXT PLAIN', protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'PLAIN', user: 'alice', password: 'alice-secret' } },
  { name: 'SASL_PLAINTEXT SCRAM-SHA-256', protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'SCRAM-SHA-256', user: 'alice', password: 'alice-scram' } },
  { name: 'SASL_PLAINTEXT SCRAM-SHA-512', protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'SCRAM-SHA-512', user: 'bob', password: 'bob-scram' } },
  { name: 'SASL_SSL SCRAM-SHA-512', protocol: 'SASL_SSL', sasl: { mechanism: 'SCRAM-SHA-512', user: 'alice', password: 'alice-scram' } },
  { name: 'SASL_SSL PLAIN', protocol: 'SASL_SSL', sasl: { mechanism: 'PLAIN', user: 'admin', password: 'admin-secret' } },
];

describe('kcat (librdkafka)', () => {
  it.each(cases)('produces and consumes over $name', async ({ name, protocol, sasl }) => {
    const topic = `kcat-${name.replace(/[^a-zA-Z0-9]/g, '-').toLowerCase()}`;
    const props = rdkafkaProps(protocol, pki, sasl);
    await kcatProduce(addr(protocol), topic, ['one', 'two', 'three'], { props });
    const got = await kcatConsume(addr(protocol), topic, { count: 3, props });
    expect(got.map((m) => m.value)).toEqual(['one', 'two', 'three']);
  });

  it('metadata on each listener advertises that listener', async () => {
    for (const protocol of ['SSL', 'SASL_SSL'] as const) {
      const md = await kcatMetadata(addr(protocol), { props: rdkafkaProps(protocol, pki, protocol === 'SASL_SSL' ? { mechanism: 'PLAIN', user: 'alice', password: 'alice-secret' } : undefined) });
      expect(md.brokers.map((b) => b.name)).toEqual([addr(protocol)]);
    }
  });
});

describe('kafkajs', () => {
  it.each(cases)('produces and consumes over $name', async ({ name, protocol, sasl }) => {
    const topic = `kafkajs-${name.replace(/[^a-zA-Z0-9]/g, '-').toLowerCase()}`;
    const clients = kafkaClients(addr(protocol), kafkajsOptions(protocol, pki, sasl));
    try {
      const producer = await clients.producer({ allowAutoTopicCreation: true });
      await producer.send({ topic, acks: -1, messages: [{ value: 'a' }, { value: 'b' }] });
      const consumer = await clients.consumer({ groupId: `g-${topic}` });
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen: string[] = [];
      await new Promise<void>((resolve, reject) => {
        consumer.run({ eachMessage: async ({ message }) => {
          seen.push(message.value?.toString() ?? '');
          if (seen.length === 2) resolve();
        } }).catch(reject);
      });
      expect(seen).toEqual(['a', 'b']);
    } finally {
      await clients.disconnectAll();
    }
  });
});

const PY_ROUNDTRIP = `
import json, sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
bootstrap, topic, opts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
p = KafkaProducer(bootstrap_servers=bootstrap, acks='all', api_version_auto_timeout_ms=10000, **opts)
for v in [b'x', b'y']:
    p.send(topic, value=v).get(timeout=30)
p.flush(); p.close()
c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=10000, api_version_auto_timeout_ms=10000, **opts)
tp = TopicPartition(topic, 0)
c.assign([tp]); c.seek_to_beginning(tp)
got = [m.value.decode() for m in c]
c.close()
print(json.dumps(got))
`;

describe('kafka-python (SaslHandshake v0, raw tokens)', () => {
  it.each(cases)('produces and consumes over $name', async ({ name, protocol, sasl }) => {
    const topic = `py-${name.replace(/[^a-zA-Z0-9]/g, '-').toLowerCase()}`;
    const got = await pythonJson<string[]>(PY_ROUNDTRIP, [addr(protocol), topic, JSON.stringify(kafkaPythonOptions(protocol, pki, sasl))]);
    expect(got).toEqual(['x', 'y']);
  });
});

const CK_ROUNDTRIP = `
import json, sys
from confluent_kafka import Producer, Consumer, TopicPartition
bootstrap, topic, props = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
p = Producer(dict(props, **{'bootstrap.servers': bootstrap}))
for v in ['c1', 'c2']:
    p.produce(topic, v.encode())
assert p.flush(30) == 0
c = Consumer(dict(props, **{'bootstrap.servers': bootstrap, 'group.id': 'ck-' + topic, 'auto.offset.reset': 'earliest'}))
c.assign([TopicPartition(topic, 0, 0)])
got = []
import time
deadline = time.time() + 30
while len(got) < 2 and time.time() < deadline:
    m = c.poll(1.0)
    if m is not None and m.error() is None:
        got.append(m.value().decode())
c.close()
print(json.dumps(got))
`;

describe('confluent-kafka-python (librdkafka)', () => {
  it.each([...cases, { name: 'SASL_SSL SCRAM-SHA-256', protocol: 'SASL_SSL' as const, sasl: { mechanism: 'SCRAM-SHA-256' as const, user: 'alice', password: 'alice-scram' } }])(
    'produces and consumes over $name',
    async ({ name, protocol, sasl }) => {
      const topic = `ck-${name.replace(/[^a-zA-Z0-9]/g, '-').toLowerCase()}`;
      const got = await pythonJson<string[]>(CK_ROUNDTRIP, [addr(protocol), topic, JSON.stringify(rdkafkaProps(protocol, pki, sasl))]);
      expect(got).toEqual(['c1', 'c2']);
    },
  );
});

describe('SCRAM users from ZooKeeper', () => {
  it('a user added while the broker runs logs in once its change notification is processed', async () => {
    const carol: Credentials = { mechanism: 'SCRAM-SHA-256', user: 'carol', password: 'carol-scram' };
    await expect(saslLogin(ports.SASL_PLAINTEXT, carol)).rejects.toThrow(/invalid credentials with SASL mechanism SCRAM-SHA-256/);
    await addScramUser(cluster.zk, 'carol', 'carol-scram');
    await waitForLogin(ports.SASL_PLAINTEXT, carol);
    const md = await kcatMetadata(addr('SASL_PLAINTEXT'), { props: rdkafkaProps('SASL_PLAINTEXT', pki, carol) });
    expect(md.brokers).toHaveLength(1);
  });

  it('gregor configs (kafka-configs.sh --zookeeper) adds, describes and deletes SCRAM credentials the broker follows', async () => {
    const c = gregorCommand(['configs', '--zookeeper', cluster.zookeeperConnect, '--alter', '--entity-type', 'users', '--entity-name', 'frank', '--add-config', 'SCRAM-SHA-256=[iterations=8192,password=frank-pw],producer_byte_rate=1024']);
    const added = await run(c.command, c.args, { cwd: c.cwd, timeoutMs: 30_000 });
    expect(added.stdout).toContain("Completed updating config for entity: user-principal 'frank'.");
    const frank: Credentials = { mechanism: 'SCRAM-SHA-256', user: 'frank', password: 'frank-pw' };
    await waitForLogin(ports.SASL_PLAINTEXT, frank);
    await kcatMetadata(addr('SASL_PLAINTEXT'), { props: rdkafkaProps('SASL_PLAINTEXT', pki, frank) });
    const d = gregorCommand(['configs', '--zookeeper', cluster.zookeeperConnect, '--describe', '--entity-type', 'users', '--entity-name', 'frank']);
    const described = await run(d.command, d.args, { cwd: d.cwd, timeoutMs: 30_000 });
    expect(described.stdout).toMatch(/^Configs for user-principal 'frank' are .*SCRAM-SHA-256=salt=[^,]+,stored_key=[^,]+,server_key=[^,]+,iterations=8192/m);
    expect(described.stdout).toContain('producer_byte_rate=1024');
    const del = gregorCommand(['configs', '--zookeeper', cluster.zookeeperConnect, '--alter', '--entity-type', 'users', '--entity-name', 'frank', '--delete-config', 'SCRAM-SHA-256']);
    expect((await run(del.command, del.args, { cwd: del.cwd, timeoutMs: 30_000 })).code).toBe(0);
    await cluster.waitFor(() => saslLogin(ports.SASL_PLAINTEXT, frank).then(() => false, () => true), 'frank can no longer log in', 30_000);
    const bad = gregorCommand(['configs', '--zookeeper', cluster.zookeeperConnect, '--alter', '--entity-type', 'users', '--entity-name', 'frank', '--add-config', 'SCRAM-SHA-512=[iterations=100,password=x]']);
    const refused = await run(bad.command, bad.args, { cwd: bad.cwd, timeoutMs: 30_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Iterations 100 is less than the minimum 4096 required for SCRAM-SHA-512');
  });

  it('a user name that needs sanitizing (URL-encoded znode name) logs in under its real name', async () => {
    const dave: Credentials = { mechanism: 'SCRAM-SHA-512', user: 'dave smith@example', password: 'pw' };
    const c = gregorCommand(['configs', '--zookeeper', cluster.zookeeperConnect, '--alter', '--entity-type', 'users', '--entity-name', dave.user, '--add-config', 'SCRAM-SHA-512=[password=pw]']);
    expect((await run(c.command, c.args, { cwd: c.cwd, timeoutMs: 30_000 })).code).toBe(0);
    expect(await cluster.zk.getEntityConfig('users', 'dave%20smith%40example')).toHaveProperty('SCRAM-SHA-512');
    await waitForLogin(ports.SASL_PLAINTEXT, dave);
  });
});

describe("gregor's tools with client properties", () => {
  const scramJaasOf = (user: string, password: string) => `org.apache.kafka.common.security.scram.ScramLoginModule required username="${user}" password="${password}";`;
  const propsFile = (name: string, props: Record<string, string>): string => {
    const file = path.join(dir, name);
    writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n'));
    return file;
  };
  const gregor = async (args: string[], input?: string) => {
    const c = gregorCommand(args);
    return run(c.command, c.args, { cwd: c.cwd, timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });
  };
  const saslSsl = (user: string, password: string) => ({
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.jaas.config': scramJaasOf(user, password),
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': pki.caPem,
  });

  it('configs --command-config over SASL_SSL: AlterUserScramCredentials creates a user who then logs in', async () => {
    const cfg = propsFile('alice-sasl-ssl.properties', saslSsl('alice', 'alice-scram'));
    const add = await gregor(['configs', '--bootstrap-server', addr('SASL_SSL'), '--command-config', cfg, '--alter', '--entity-type', 'users', '--entity-name', 'gina', '--add-config', 'SCRAM-SHA-256=[password=gina-pw]']);
    expect(add.stderr).toBe('');
    expect(add.stdout).toContain("Completed updating config for user gina.");
    await waitForLogin(ports.SASL_PLAINTEXT, { mechanism: 'SCRAM-SHA-256', user: 'gina', password: 'gina-pw' });
    const described = await gregor(['configs', '--bootstrap-server', addr('SASL_SSL'), '--command-config', cfg, '--describe', '--entity-type', 'users', '--entity-name', 'gina']);
    expect(described.stdout).toContain('SCRAM-SHA-256=iterations=4096');
  });

  it('topics --command-config over SSL with a PKCS12 trust store; host names are checked by default', async () => {
    const cfg = propsFile('ssl.properties', { 'security.protocol': 'SSL', 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': pki.trustP12, 'ssl.truststore.password': pki.password });
    const created = await gregor(['topics', '--bootstrap-server', addr('SSL'), '--command-config', cfg, '--create', '--topic', 'tools-over-ssl', '--partitions', '2', '--replication-factor', '1']);
    expect(created.stdout).toContain('Created topic tools-over-ssl.');
    const listed = await gregor(['topics', '--bootstrap-server', addr('SSL'), '--command-config', cfg, '--list']);
    expect(listed.stdout.split('\n')).toContain('tools-over-ssl');
  });

  it('console-producer --producer.config (SASL_PLAINTEXT PLAIN) and console-consumer --consumer.config + --consumer-property (SASL_SSL SCRAM)', async () => {
    const producerCfg = propsFile('producer.properties', {
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";',
    });
    const produced = await gregor(['console-producer', '--bootstrap-server', addr('SASL_PLAINTEXT'), '--producer.config', producerCfg, '--topic', 'tools-sasl', '--request-required-acks', 'all'], 'p1\np2\n');
    expect([produced.code, produced.stderr]).toEqual([0, '']);
    // as in Kafka, --consumer-property cannot carry a value with '=' (a JAAS entry): the file does; the property wins over it
    const consumerCfg = propsFile('consumer.properties', { ...saslSsl('bob', 'bob-scram'), 'security.protocol': 'SASL_PLAINTEXT' });
    const consumed = await gregor([
      'console-consumer', '--bootstrap-server', addr('SASL_SSL'), '--consumer.config', consumerCfg, '--consumer-property', 'security.protocol=SASL_SSL',
      '--topic', 'tools-sasl', '--from-beginning', '--max-messages', '2',
    ]);
    expect({ records: consumed.stdout.split('\n').filter((l) => l !== ''), stderr: consumed.stderr }).toEqual({ records: ['p1', 'p2'], stderr: 'Processed a total of 2 messages\n' });
  });

  it('a wrong password fails at once with the broker\'s message; an unknown mechanism is refused before connecting', async () => {
    const wrong = propsFile('wrong.properties', saslSsl('alice', 'not-her-password'));
    const refused = await gregor(['topics', '--bootstrap-server', addr('SASL_SSL'), '--command-config', wrong, '--list']);
    expect(refused.code).toBe(1);
    // the refusal is final (not retried into "Timed out waiting for a node assignment")
    expect(refused.stderr).toMatch(/Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
    const gssapi = propsFile('gssapi.properties', { 'security.protocol': 'SASL_PLAINTEXT', 'sasl.jaas.config': scramJaasOf('a', 'b') });
    const noMech = await gregor(['log-dirs', '--bootstrap-server', addr('SASL_PLAINTEXT'), '--command-config', gssapi, '--describe']);
    expect(noMech.code).toBe(1);
    expect(noMech.stderr).toContain('sasl.mechanism GSSAPI is not available in gregor');
  });
});

describe('without an authorizer', () => {
  it('the ACL APIs answer SECURITY_DISABLED and Metadata v9 reports every operation as authorized', async () => {
    const clients = kafkaClients(addr('SASL_PLAINTEXT'), kafkajsOptions('SASL_PLAINTEXT', pki, { mechanism: 'PLAIN', user: 'alice', password: 'alice-secret' }));
    try {
      const admin = await clients.admin();
      await expect(
        admin.describeAcls({ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }),
      ).rejects.toMatchObject({ type: 'SECURITY_DISABLED' });
    } finally {
      await clients.disconnectAll();
    }
    const c = saslClient(ports.SASL_PLAINTEXT, { mechanism: 'PLAIN', user: 'alice', password: 'alice-secret' });
    try {
      const md = await c.send({ request: MetadataRequest, response: MetadataResponse }, 9, {
        topics: [{ name: 'kcat-ssl' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: true,
        includeTopicAuthorizedOperations: true,
      });
      const bits = (ops: number[]) => ops.reduce((f, op) => f | (1 << op), 0);
      expect(md.clusterAuthorizedOperations).toBe(bits([5, 7, 8, 9, 10, 11, 12]));
      expect(md.topics[0]!.topicAuthorizedOperations).toBe(bits([3, 4, 5, 6, 7, 8, 10, 11]));
    } finally {
      await c.close();
    }
  });
});
