import { describe, expect, it } from 'vitest';
import { desanitize, sanitize } from '../../../src/common/sanitizer.js';
import { parseKafkaPrincipal, principalToString } from '../../../src/common/kafka-principal.js';
import { jaasFileFromEnv, parseJaasEntry, parseJaasFile } from '../../../src/security/jaas.js';

describe('JAAS configuration', () => {
  it('parses a sasl.jaas.config entry: quoted and bare values, flags case-insensitive', () => {
    const e = parseJaasEntry('org.apache.kafka.common.security.plain.PlainLoginModule Required username="admin" password="a \\"b\\" c" user_bob=bob-pw;');
    expect(e.loginModule).toBe('org.apache.kafka.common.security.plain.PlainLoginModule');
    expect(e.controlFlag).toBe('required');
    expect([...e.options]).toEqual([
      ['username', 'admin'],
      ['password', 'a "b" c'],
      ['user_bob', 'bob-pw'],
    ]);
  });

  it('refuses what Kafka refuses', () => {
    expect(() => parseJaasEntry('')).toThrow(/does not contain any login modules/);
    expect(() => parseJaasEntry('A required; B required;')).toThrow(/more than one login module/);
    expect(() => parseJaasEntry('A sometimes;')).toThrow(/invalid JAAS control flag/);
    expect(() => parseJaasEntry('A required x="y"')).toThrow(/does not end with ';'/);
    expect(() => parseJaasEntry('A required x="y;')).toThrow(/unterminated quoted value/);
  });

  it('parses a JAAS file with sections and comments', () => {
    const f = parseJaasFile(`
      // broker side
      KafkaServer {
        org.apache.kafka.common.security.plain.PlainLoginModule required
          username="admin" password="pw" user_admin="pw";
        org.apache.kafka.common.security.scram.ScramLoginModule required; /* SCRAM users are in ZooKeeper */
      };
      Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="kafka" password="zk-pw"; };
    `);
    expect([...f.keys()]).toEqual(['KafkaServer', 'Client']);
    expect(f.get('KafkaServer')!.map((e) => e.loginModule.split('.').pop())).toEqual(['PlainLoginModule', 'ScramLoginModule']);
    expect(f.get('Client')![0]!.options.get('password')).toBe('zk-pw');
  });

  it('finds the JAAS file in KAFKA_OPTS as the JVM flag', () => {
    expect(jaasFileFromEnv({ KAFKA_OPTS: '-Xmx1g -Djava.security.auth.login.config=/etc/kafka/jaas.conf -Dfoo=bar' })).toBe('/etc/kafka/jaas.conf');
    expect(jaasFileFromEnv({ KAFKA_OPTS: '-Djava.security.auth.login.config="/a b/j.conf"' })).toBe('/a b/j.conf');
    expect(jaasFileFromEnv({})).toBeNull();
  });
});

describe('entity names and principals', () => {
  it('sanitizes user names as Kafka (URLEncoder, then * → %2A and + → %20)', () => {
    expect(sanitize('alice')).toBe('alice');
    expect(sanitize('dave smith@example.com')).toBe('dave%20smith%40example.com');
    expect(sanitize('a*b+c/é')).toBe('a%2Ab%2Bc%2F%C3%A9');
    expect(sanitize('CN=x,O=y')).toBe('CN%3Dx%2CO%3Dy');
    for (const n of ['dave smith@example.com', 'a*b+c/é', 'CN=x,O=y']) expect(desanitize(sanitize(n))).toBe(n);
    expect(desanitize('a+b')).toBe('a b');
  });

  it('parses principals at the first colon', () => {
    expect(parseKafkaPrincipal('User:CN=a:b,O=c')).toEqual({ type: 'User', name: 'CN=a:b,O=c' });
    expect(principalToString({ type: 'User', name: '*' })).toBe('User:*');
    expect(() => parseKafkaPrincipal('alice')).toThrow(/principalType:principalName/);
  });
});
