/**
 * Keeps the shipped configuration files true to the code: every key documented in
 * config/server.properties is one the typed config knows, with the code's default; the per-broker
 * files and docker-compose.yml produce valid, distinct broker configurations.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { BROKER_CONFIG_KEYS, type BrokerConfigName } from '../../../src/config/broker-config-keys.js';
import { BrokerConfig, BROKER_CONFIG_NAMES, isBrokerConfigName } from '../../../src/config/broker-config.js';
import { applyOverrides, readPropertiesFile } from '../../../src/config/properties.js';

const root = new URL('../../../', import.meta.url).pathname;
const file = (p: string): string => `${root}${p}`;

interface Documented {
  name: string;
  value: string;
  active: boolean;
  documentedDefault: string;
}

/** Reads config/server.properties' convention: "# doc. [default: X]" then "key=value" or "#key=value". */
function documentedKeys(): Documented[] {
  const lines = readFileSync(file('config/server.properties'), 'utf8').split('\n');
  const out: Documented[] = [];
  lines.forEach((line, i) => {
    const m = /^(#?)([a-z][a-zA-Z0-9._-]*)=(.*)$/.exec(line);
    if (!m) return;
    const above = lines[i - 1] ?? '';
    const d = /\[default: (.*)\]$/.exec(above);
    expect(d, `line ${i + 1} (${m[2]}) needs a "# ... [default: X]" comment above it`).not.toBeNull();
    out.push({ name: m[2] as string, value: m[3] as string, active: m[1] === '', documentedDefault: (d as RegExpExecArray)[1] as string });
  });
  return out;
}

describe('config/server.properties', () => {
  const docs = documentedKeys();

  it('documents every key gregor reads exactly once', () => {
    const names = docs.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...BROKER_CONFIG_NAMES].sort());
  });

  it('only documents keys the typed config knows', () => {
    for (const d of docs) expect(isBrokerConfigName(d.name), d.name).toBe(true);
  });

  it("states each key's default as the code has it", () => {
    for (const d of docs) {
      const def = BROKER_CONFIG_KEYS[d.name as BrokerConfigName];
      const expected = 'required' in def && def.required ? 'none (required)' : def.default === null ? 'unset' : def.default;
      expect(d.documentedDefault, d.name).toBe(expected);
    }
  });

  it('shows the default itself on every commented-out line of a key that has one', () => {
    for (const d of docs.filter((x) => !x.active)) {
      const def = BROKER_CONFIG_KEYS[d.name as BrokerConfigName];
      if (def.default !== null) expect(d.value, d.name).toBe(def.default);
    }
  });

  it('mirrors the Kafka 2.7 sample file settings and parses cleanly', () => {
    const c = BrokerConfig.load(file('config/server.properties'));
    expect(c.warnings).toEqual([]);
    expect(c.brokerId).toBe(0);
    expect(c.values['offsets.topic.replication.factor']).toBe(1);
    expect(c.values['transaction.state.log.min.isr']).toBe(1);
    expect(c.values['group.initial.rebalance.delay.ms']).toBe(0);
    expect(c.zookeeper.servers).toEqual([{ host: 'localhost', port: 2181 }]);
    expect(c.logDirs).toEqual(['/tmp/kafka-logs']);
  });
});

describe('local cluster files', () => {
  it('broker-0..2 are three distinct brokers on 127.0.0.1:9092-9094 sized for three replicas', () => {
    const configs = [0, 1, 2].map((i) => BrokerConfig.load(file(`config/broker-${i}.properties`)));
    configs.forEach((c, i) => {
      expect(c.warnings).toEqual([]);
      expect(c.brokerId).toBe(i);
      expect(c.advertisedListeners).toEqual([{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9092 + i, securityProtocol: 'PLAINTEXT' }]);
      expect(c.logDirs).toEqual([`data/broker-${i}`]);
      expect(c.zookeeper.connect).toBe('127.0.0.1:2181');
      expect(c.values['offsets.topic.replication.factor']).toBe(3);
      expect(c.values['transaction.state.log.replication.factor']).toBe(3);
      expect(c.values['transaction.state.log.min.isr']).toBe(2);
    });
  });

  it('single-broker.properties sets every internal replication factor to 1', () => {
    const c = BrokerConfig.load(file('config/single-broker.properties'));
    expect(c.warnings).toEqual([]);
    expect(c.values['offsets.topic.replication.factor']).toBe(1);
    expect(c.values['transaction.state.log.replication.factor']).toBe(1);
    expect(c.values['transaction.state.log.min.isr']).toBe(1);
    expect(c.values['default.replication.factor']).toBe(1);
    expect(c.listeners[0]).toMatchObject({ host: '127.0.0.1', port: 9092 });
  });
});

describe('docker-compose.yml and config/Dockerfile', () => {
  const compose = parseYaml(readFileSync(file('docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { image?: string; build?: { context: string; dockerfile: string }; environment?: Record<string, string>; command?: string[]; ports?: string[]; volumes?: string[] }>;
  };
  const services = compose.services;

  it('runs a 3-node ensemble from the official zookeeper:3.8 image', () => {
    const servers = 'server.1=zoo1:2888:3888;2181 server.2=zoo2:2888:3888;2181 server.3=zoo3:2888:3888;2181';
    ['zoo1', 'zoo2', 'zoo3'].forEach((name, i) => {
      const s = services[name];
      expect(s?.image).toBe('zookeeper:3.8');
      expect(s?.environment?.ZOO_MY_ID).toBe(String(i + 1));
      expect(s?.environment?.ZOO_SERVERS).toBe(servers);
      expect(s?.ports).toEqual([`${2181 + i}:2181`]);
    });
  });

  it('builds three brokers whose overrides give valid, distinct configurations', () => {
    const base = readPropertiesFile(file('config/server.properties'));
    const brokers = ['broker1', 'broker2', 'broker3'].map((name, i) => {
      const s = services[name];
      expect(s?.build).toEqual({ context: '.', dockerfile: 'config/Dockerfile' });
      expect(s?.volumes).toContain('./config/server.properties:/config/server.properties:ro');
      const args = (s?.command ?? []).map((a) => a.replace('${DOCKER_HOST_IP:-127.0.0.1}', '127.0.0.1'));
      const overrides = args.filter((_, j) => args[j - 1] === '--override');
      expect(overrides.length * 2).toBe(args.length);
      const c = BrokerConfig.parse(applyOverrides(base, overrides));
      expect(c.brokerId).toBe(i + 1);
      expect(c.interBrokerListenerName).toBe('INTERNAL');
      expect(c.advertisedListeners.map((e) => `${e.listenerName}://${e.host}:${e.port}`)).toEqual([
        `INTERNAL://${name}:19092`,
        `EXTERNAL://127.0.0.1:${9092 + i}`,
      ]);
      expect(s?.ports).toEqual([`${9092 + i}:${9092 + i}`, `${8080 + i}:8080`]);
      expect(c.values['http.listener']).toBe('0.0.0.0:8080');
      expect(c.zookeeper.servers.map((z) => z.host)).toEqual(['zoo1', 'zoo2', 'zoo3']);
      expect(c.values['offsets.topic.replication.factor']).toBe(3);
      expect(c.logDirs).toEqual(['/data']);
      return c;
    });
    expect(new Set(brokers.map((b) => b.brokerId)).size).toBe(3);
  });

  it('the Dockerfile builds on Node 20 and starts the broker with /config/server.properties', () => {
    const dockerfile = readFileSync(file('config/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/RUN npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "dist\/cli\/main\.js", "broker", "start", "\/config\/server\.properties"\]/);
  });
});
