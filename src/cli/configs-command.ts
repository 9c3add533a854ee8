/**
 * `gregor configs`: the `--zookeeper` mode of Kafka 2.7's kafka-configs.sh for users — SCRAM
 * credentials (and any other user config, e.g. quotas) written straight to ZooKeeper, as operators
 * create the first users, including the brokers' own, before any broker runs.
 *
 *   gregor configs --zookeeper localhost:2181 --alter --entity-type users --entity-name alice \
 *       --add-config 'SCRAM-SHA-256=[iterations=8192,password=alice-secret],SCRAM-SHA-512=[password=alice-secret]'
 *   gregor configs --zookeeper localhost:2181 --alter --entity-type users --entity-name alice --delete-config SCRAM-SHA-512
 *   gregor configs --zookeeper localhost:2181 --describe --entity-type users [--entity-name alice]
 *
 * Behaviour (ConfigCommand.alterConfigWithZk / describeConfigWithZk):
 * - `--add-config` is `k=v,k=v` where a value in `[...]` may hold commas; a SCRAM mechanism's value
 *   is `[iterations=N,]password=P` (N defaults to 4096 and must be at least 4096) and is stored as
 *   the credential `salt=...,stored_key=...,server_key=...,iterations=N`, never the password;
 * - deleting a config the user does not have fails ("Invalid config(s): ...");
 * - the znode `/config/users/<URL-encoded name>` is rewritten, then `/config/changes/config_change_<seq>`
 *   is posted with `{"version":2,"entity_path":"users/<name>"}`; every broker applies it;
 * - the JAAS file named in KAFKA_OPTS (`Client` section) authenticates to a secured ZooKeeper; znodes
 *   are then created with the brokers' secure ACLs, as kafka-configs.sh does when ZooKeeper SASL is on.
 * Only `users` entities: topics and brokers are configured through AlterConfigs by any Kafka client.
 */
import { desanitize, sanitize } from '../common/sanitizer.js';
import { readJaasFile, jaasFileFromEnv } from '../security/jaas.js';
import { ZK_DIGEST_LOGIN_MODULE } from '../security/broker-security.js';
import { credentialToString, generateCredential, scramMechanism } from '../security/sasl/scram.js';
import { ZkClient } from '../zk/client.js';
import { KafkaZkClient } from '../zk/kafka-zk-client.js';

export interface ConfigsOptions {
  zookeeper: string;
  alter: boolean;
  describe: boolean;
  entityType: string;
  entityName?: string;
  addConfig?: string;
  deleteConfig?: string;
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
}

const DEFAULT_SCRAM_ITERATIONS = 4096;
const OUTSIDE_BRACKETS = '(?=[^\\]]*(?:\\[|$))';

/** ConfigCommand.parseConfigsToBeAdded: commas outside `[]` separate entries; brackets are dropped from values. */
export function parseAddConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of text.split(new RegExp(`,${OUTSIDE_BRACKETS}`))) {
    const kv = entry.split(new RegExp(`\\s*=\\s*${OUTSIDE_BRACKETS}`));
    if (kv.length !== 2) throw new Error('Invalid entity config: all configs to be added must be in the format "key=val".');
    out.set(kv[0]!.trim(), kv[1]!.replace(/[[\]]/g, '').trim());
  }
  return out;
}

/** ConfigCommand.preProcessScramCredentials: `[iterations=N,]password=P` → the stored credential. */
export function scramConfigValue(mechanismName: string, value: string): string {
  const m = scramMechanism(mechanismName)!;
  const match = /^(?:iterations=([0-9]*),)?password=(.*)$/s.exec(value);
  if (!match) throw new Error(`Invalid credential property ${mechanismName}=${value}`);
  const iterations = match[1] ? Number(match[1]) : DEFAULT_SCRAM_ITERATIONS;
  if (iterations < m.minIterations) throw new Error(`Iterations ${iterations} is less than the minimum ${m.minIterations} required for ${m.name}`);
  return credentialToString(generateCredential(m, match[2]!, iterations));
}

function zookeeperSecurity(env: NodeJS.ProcessEnv): { digestAuth: string | null; secureAcls: boolean } {
  const path = jaasFileFromEnv(env);
  if (path === null) return { digestAuth: null, secureAcls: false };
  const entry = readJaasFile(path).get('Client')?.find((e) => e.loginModule === ZK_DIGEST_LOGIN_MODULE);
  const user = entry?.options.get('username');
  const password = entry?.options.get('password');
  return user !== undefined && password !== undefined ? { digestAuth: `${user}:${password}`, secureAcls: true } : { digestAuth: null, secureAcls: false };
}

export async function runConfigs(o: ConfigsOptions): Promise<number> {
  const out = o.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const fail = (msg: string): number => {
    process.stderr.write(`gregor configs: ${msg}\n`);
    return 1;
  };
  if (o.alter === o.describe) return fail('exactly one of --alter and --describe is required');
  if (o.entityType !== 'users') return fail(`only --entity-type users is supported here (got ${o.entityType}); topics and brokers are configured with AlterConfigs through any client`);
  if (o.alter && !o.entityName) return fail('an entity name must be specified with --alter');
  let zk: KafkaZkClient | undefined;
  try {
    const added = o.addConfig ? parseAddConfig(o.addConfig) : new Map<string, string>();
    for (const [k, v] of added) if (scramMechanism(k)) added.set(k, scramConfigValue(k, v));
    const deleted = (o.deleteConfig ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    zk = new KafkaZkClient(await ZkClient.connect({ connectString: o.zookeeper, reinitializeOnExpiry: false, connectionTimeoutMs: 15_000, ...zookeeperSecurity(o.env ?? process.env) }));
    if (o.alter) {
      const name = sanitize(o.entityName!);
      const config = await zk.getEntityConfig('users', name);
      const missing = deleted.filter((k) => !(k in config));
      if (missing.length > 0) return fail(`Invalid config(s): ${missing.join(',')}`);
      for (const [k, v] of added) config[k] = v;
      for (const k of deleted) delete config[k];
      await zk.changeEntityConfig('users', name, config);
      out(`Completed updating config for entity: user-principal '${o.entityName}'.`);
      return 0;
    }
    const entities = o.entityName ? new Map([[sanitize(o.entityName), await zk.getEntityConfig('users', sanitize(o.entityName))]]) : await zk.getAllEntityConfigs('users');
    for (const [name, config] of entities) {
      const entries = Object.entries(config);
      if (entries.length === 0 && !o.entityName) continue;
      out(`Configs for user-principal '${desanitize(name)}' are ${entries.map(([k, v]) => `${k}=${v}`).join(',')}`);
    }
    return 0;
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  } finally {
    await zk?.close().catch(() => {});
  }
}
