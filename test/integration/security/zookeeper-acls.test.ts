/**
 * `zookeeper.set.acl=true` with two brokers configured from a JAAS file (KAFKA_OPTS
 * -Djava.security.auth.login.config=...): the KafkaServer section gives the SASL/PLAIN users, the
 * Client section (DigestLoginModule) the brokers' ZooKeeper identity (digest scheme).
 * - an unauthenticated ZooKeeper client can read the cluster metadata but change nothing the
 *   brokers created (/brokers, /controller_epoch, /config, /kafka-acl), cannot even read
 *   /config/users (SCRAM credentials), and can still write under /consumers;
 * - the brokers' identity can; both brokers share it, so the controller and the partition leaders
 *   keep working on each other's znodes (a replicated topic is created and reaches its ISR);
 * - zookeeper.set.acl without credentials refuses to start.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker.js';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { silentLogger } from '../../../src/common/logger.js';
import { NoAuthError, type ZkClient } from '../../../src/zk/client.js';
import { freePort } from '../../../src/zk/server-process.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatProduce } from '../../harness/clients.js';
import { closeAllZk, connectZk } from '../../harness/zookeeper.js';
import { addScramUser, tempDir } from './security-kit.js';

let cluster: Cluster;
let anonymous: ZkClient;
let trusted: ZkClient;
let jaasFile: string;
let cleanup: () => Promise<void>;
const sasl = new Map<number, number>();
const ZK_AUTH = 'kafka:zk-secret';

beforeAll(async () => {
  const tmp = await tempDir('gregor-sec-zkacl-');
  cleanup = tmp.remove;
  jaasFile = path.join(tmp.dir, 'kafka_server_jaas.conf');
  writeFileSync(
    jaasFile,
    `KafkaServer {
  org.apache.kafka.common.security.plain.PlainLoginModule required
    username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";
};
Client {
  org.apache.zookeeper.server.auth.DigestLoginModule required username="kafka" password="zk-secret";
};
`,
  );
  for (const id of [0, 1]) sasl.set(id, await freePort());
  cluster = await startCluster({
    brokers: 2,
    env: { KAFKA_OPTS: `-Djava.security.auth.login.config=${jaasFile}` },
    zookeeperDigest: ZK_AUTH,
    // brokers talk SASL_PLAINTEXT (PLAIN as admin, from the JAAS file's KafkaServer section); clients use SASL_PLAINTEXT too
    listenerSecurity: { replication: 'SASL_PLAINTEXT', extraListeners: (id) => ({ SASL_PLAINTEXT: { protocol: 'SASL_PLAINTEXT', port: sasl.get(id)! } }) },
    brokerConfig: {
      'zookeeper.set.acl': true,
      'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer',
      'super.users': 'User:admin',
    },
  });
  anonymous = await connectZk(cluster.zookeeperConnect);
  trusted = await connectZk(cluster.zookeeperConnect, { digestAuth: ZK_AUTH });
});

afterAll(async () => {
  await closeAllZk();
  await cluster?.close();
  await cleanup?.();
});

const ADMIN = { mechanism: 'PLAIN' as const, user: 'admin', password: 'admin-secret' };
const bootstrap = () => [...sasl.values()].map((p) => `127.0.0.1:${p}`).join(',');

describe('ZooKeeper ACLs', () => {
  it('the cluster works through the brokers\' shared identity: a replicated topic reaches its ISR', async () => {
    const clients = kafkaClients(bootstrap(), { sasl: { mechanism: 'plain', username: 'admin', password: 'admin-secret' } });
    try {
      const admin = await clients.admin();
      await admin.createTopics({ topics: [{ topic: 'zk-acl', numPartitions: 2, replicationFactor: 2 }], waitForLeaders: true });
      await admin.createAcls({ acl: [{ resourceType: 2, resourceName: 'zk-acl', resourcePatternType: 3, principal: 'User:alice', host: '*', operation: 4, permissionType: 3 }] });
    } finally {
      await clients.disconnectAll();
    }
    await cluster.waitForIsr({ topic: 'zk-acl', partition: 0 }, [0, 1]);
    // the ACL reaches the other broker through its change notification; alice can write once it has
    const props = { 'security.protocol': 'sasl_plaintext', 'sasl.mechanisms': 'PLAIN', 'sasl.username': 'alice', 'sasl.password': 'alice-secret' };
    await cluster.waitFor(() => kcatProduce(bootstrap(), 'zk-acl', ['x', 'y'], { props, timeoutMs: 15_000 }).then(() => true), 'alice can write zk-acl', 60_000);
  });

  it('anyone may read the cluster metadata; nobody but the brokers may change it', async () => {
    expect((await anonymous.getData('/brokers/ids/0')).data).not.toBeNull();
    await expect(anonymous.setData('/brokers/topics/zk-acl', Buffer.from('{}'))).rejects.toBeInstanceOf(NoAuthError);
    await expect(anonymous.create('/brokers/topics/evil', Buffer.from('{}'))).rejects.toBeInstanceOf(NoAuthError);
    await expect(anonymous.setData('/controller_epoch', Buffer.from('99'))).rejects.toBeInstanceOf(NoAuthError);
    await expect(anonymous.delete('/brokers/ids/1')).rejects.toBeInstanceOf(NoAuthError);
    await expect(anonymous.setData('/kafka-acl/Topic/zk-acl', Buffer.from('{}'))).rejects.toBeInstanceOf(NoAuthError);
    await expect(anonymous.create('/config/changes/config_change_', Buffer.from('{}'), { mode: 'persistent-sequential' })).rejects.toBeInstanceOf(NoAuthError);
    const state = await trusted.getData('/brokers/topics/zk-acl/partitions/0/state');
    await trusted.setData('/brokers/topics/zk-acl/partitions/0/state', state.data, state.stat.version); // the brokers' identity may
  });

  it('SCRAM credentials under /config/users are not even readable without the brokers\' identity', async () => {
    await addScramUser(cluster.zk, 'carol', 'carol-pw');
    await expect(anonymous.getData('/config/users/carol')).rejects.toBeInstanceOf(NoAuthError);
    await expect(anonymous.getChildren('/config/users')).rejects.toBeInstanceOf(NoAuthError);
    expect((await trusted.getData('/config/users/carol')).data!.toString()).toContain('SCRAM-SHA-512');
  });

  it('/consumers stays writable by old consumers', async () => {
    await anonymous.create('/consumers/old-group', null);
    await anonymous.delete('/consumers/old-group');
  });

  it('zookeeper.set.acl without ZooKeeper credentials in the JAAS file refuses to start', async () => {
    const noClientSection = path.join(path.dirname(jaasFile), 'no-client.conf');
    writeFileSync(noClientSection, 'KafkaServer { org.apache.kafka.common.security.plain.PlainLoginModule required user_a="b"; };\n');
    const config = BrokerConfig.parse({ 'zookeeper.connect': cluster.zookeeperConnect, 'broker.id': '7', 'zookeeper.set.acl': 'true', listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': path.join(path.dirname(jaasFile), 'logs') });
    const broker = new Broker(config, { logger: silentLogger(), env: { KAFKA_OPTS: `-Djava.security.auth.login.config=${noClientSection}` } });
    await expect(broker.start()).rejects.toThrow(/zookeeper\.set\.acl is true, but no ZooKeeper credentials were found/);
  });
});
