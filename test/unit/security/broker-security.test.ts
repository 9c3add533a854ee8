import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../../src/config/broker-config.js';
import { silentLogger } from '../../../src/common/logger.js';
import { buildBrokerSecurity } from '../../../src/security/broker-security.js';
import { CredentialCache } from '../../../src/security/credential-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'gregor-brokersec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BOTH = 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:1';
const PLAIN = 'org.apache.kafka.common.security.plain.PlainLoginModule';
const build = (props: Record<string, string>, jaasFile: string | null = null) => {
  const config = BrokerConfig.parse({ 'zookeeper.connect': 'localhost:2181', ...props });
  const log = silentLogger();
  return buildBrokerSecurity({ config, credentials: new CredentialCache(log), jaasFile, log });
};

describe('listener security from the configuration', () => {
  it('PLAINTEXT only: no hooks, no inter-broker security', () => {
    const s = build({ listeners: 'PLAINTEXT://127.0.0.1:0' });
    expect(s.listeners.size).toBe(0);
    expect(s.interBroker).toBeUndefined();
    expect(s.zookeeperDigest).toBeNull();
  });

  it('a SASL listener with an inline JAAS entry, and the inter-broker client credentials from it', () => {
    const s = build({
      listeners: BOTH,
      'security.inter.broker.protocol': 'SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'PLAIN',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN} required username="b" password="p" user_b="p";`,
    });
    expect(s.listeners.get('SASL_PLAINTEXT')?.authenticate).toBeTypeOf('function');
    expect(s.interBroker?.authenticate).toBeTypeOf('function');
    expect(s.interBroker?.tls).toBeUndefined();
  });

  it('falls back to the JAAS file (listener section, then KafkaServer) and reads the ZooKeeper Client section', () => {
    const file = join(dir, 'jaas.conf');
    writeFileSync(
      file,
      `sasl_plaintext.KafkaServer { ${PLAIN} required user_x="y"; };
       Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="kafka" password="zk"; };`,
    );
    const s = build({ listeners: BOTH, 'sasl.enabled.mechanisms': 'PLAIN' }, file);
    expect(s.listeners.get('SASL_PLAINTEXT')?.authenticate).toBeTypeOf('function');
    expect(s.zookeeperDigest).toBe('kafka:zk');
  });

  it.each([
    [{ listeners: BOTH }, /SASL mechanism GSSAPI is not available in gregor/],
    [{ listeners: BOTH, 'sasl.enabled.mechanisms': 'PLAIN' }, /Could not find a 'KafkaServer' or 'sasl_plaintext\.KafkaServer' entry in the JAAS configuration/],
    [{ listeners: BOTH, 'sasl.enabled.mechanisms': 'OAUTHBEARER' }, /OAUTHBEARER is not available/],
    [
      {
        listeners: BOTH,
        'security.inter.broker.protocol': 'SASL_PLAINTEXT',
        'sasl.enabled.mechanisms': 'PLAIN',
        'sasl.mechanism.inter.broker.protocol': 'PLAIN',
        'listener.name.sasl_plaintext.plain.sasl.jaas.config': `${PLAIN} required user_b="p";`,
      },
      /needs username and password options/,
    ],
    [{ listeners: BOTH, 'sasl.enabled.mechanisms': 'PLAIN', 'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'A required; B required;' }, /more than one login module/],
    [{ listeners: 'SSL://127.0.0.1:0', 'security.inter.broker.protocol': 'SSL' }, /listener SSL: an SSL listener needs a key store/],
  ])('refuses %j', (props, message) => {
    expect(() => build(props as Record<string, string>)).toThrow(message);
  });

  it('a JAAS file that does not parse is a configuration error naming it', () => {
    const file = join(dir, 'broken.conf');
    writeFileSync(file, 'KafkaServer { oops');
    expect(() => build({ listeners: BOTH, 'sasl.enabled.mechanisms': 'PLAIN' }, file)).toThrow(/broken\.conf/);
  });
});

describe('authorizer.class.name', () => {
  it('accepts AclAuthorizer and the old SimpleAclAuthorizer name; any other class is a configuration error', () => {
    const parse = (cls: string) => BrokerConfig.parse({ 'zookeeper.connect': 'localhost:2181', 'authorizer.class.name': cls });
    expect(parse('kafka.security.authorizer.AclAuthorizer').values['authorizer.class.name']).toBe('kafka.security.authorizer.AclAuthorizer');
    expect(parse('kafka.security.auth.SimpleAclAuthorizer').values['authorizer.class.name']).toBe('kafka.security.auth.SimpleAclAuthorizer');
    expect(() => parse('com.example.MyAuthorizer')).toThrow(/authorizer\.class\.name/);
  });
});
