/**
 * The one catalogue of Kafka 2.7 znodes gregor uses (ARCHITECTURE decision 2; reference/zk-and-controller.md §2,
 * §13–§15; Kafka's ZkData.scala). For each znode: a path builder and, where it holds data, an encoder writing
 * exactly what Kafka writes (field names, `version` numbers, JSON types — timestamps and producer-id block bounds
 * are JSON strings, `/cluster/id`'s version is the string "1") and a validating decoder that accepts the older
 * versions Kafka accepts. Field order follows what Kafka's Jackson output shows in zkCli; readers parse by key.
 *
 * Our additions to Kafka's layout (both under `/consumers/<group>`, which old tools never list blindly):
 * - `offsets_metadata/<topic>/<partition>`: the commit's metadata string, leader epoch and timestamp next to the
 *   decimal-text offset znode (see consumer-offsets.ts).
 * - `txn_offsets/<producerId>[/<topic>/<partition>]`: pending transactional offset commits
 *   (ARCHITECTURE decision 13, reference/transactions-and-compaction.md §2.16).
 */
import type { TopicPartition } from '../common/topic-partition.js';
import { endPointToString, parseEndPoint, type EndPoint, type SecurityProtocol } from '../config/listeners.js';

/**
 * ZooKeeper's jute.maxbuffer default (0xfffff): a server that receives a larger request closes the connection
 * instead of answering, failing everything in flight on it. Writes that could exceed it are refused up front.
 */
export const ZK_MAX_REQUEST_BYTES = 0xfffff;

export class ZNodeDecodeError extends Error {
  constructor(path: string, reason: string) {
    super(`cannot decode znode ${path}: ${reason}`);
    this.name = 'ZNodeDecodeError';
  }
}

// ---------------------------------------------------------------------------------------------- JSON helpers

const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

type Json = Record<string, unknown>;

function parseObject(path: string, data: Buffer | null): Json {
  if (data === null || data.length === 0) throw new ZNodeDecodeError(path, 'no data');
  let v: unknown;
  try {
    v = JSON.parse(data.toString('utf8'));
  } catch {
    throw new ZNodeDecodeError(path, `not JSON: ${data.toString('utf8').slice(0, 100)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ZNodeDecodeError(path, 'not a JSON object');
  return v as Json;
}
function int(path: string, o: Json, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ZNodeDecodeError(path, `"${key}" is not an integer`);
  return v;
}
function optInt(path: string, o: Json, key: string, dflt: number): number {
  return o[key] === undefined || o[key] === null ? dflt : int(path, o, key);
}
function str(path: string, o: Json, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ZNodeDecodeError(path, `"${key}" is not a string`);
  return v;
}
function intList(path: string, v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw new ZNodeDecodeError(path, `${what} is not a list of integers`);
  }
  return v as number[];
}
function obj(path: string, v: unknown, what: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ZNodeDecodeError(path, `${what} is not an object`);
  return v as Json;
}
/** Kafka writes several longs as JSON strings (timestamps, producer-id bounds); accept numbers too. */
function longString(path: string, o: Json, key: string): number {
  const v = o[key];
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isSafeInteger(n)) throw new ZNodeDecodeError(path, `"${key}" is not a long`);
  return n;
}
function decimalText(path: string, data: Buffer | null): number {
  const s = data?.toString('utf8').trim() ?? '';
  if (!/^-?\d+$/.test(s)) throw new ZNodeDecodeError(path, `not decimal text: "${s.slice(0, 40)}"`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new ZNodeDecodeError(path, `${s} exceeds 2^53-1`);
  return n;
}
function partitionList(path: string, o: Json): TopicPartition[] {
  const list = o.partitions;
  if (!Array.isArray(list)) throw new ZNodeDecodeError(path, '"partitions" is not a list');
  return list.map((p) => {
    const po = obj(path, p, 'partition entry');
    return { topic: str(path, po, 'topic'), partition: int(path, po, 'partition') };
  });
}

/** ZooKeeper's 10-digit sequence suffix of a sequential child name, e.g. isr_change_0000000042 → 42. */
export function sequenceNumber(childName: string, prefix: string): number {
  if (!childName.startsWith(prefix)) throw new ZNodeDecodeError(childName, `does not start with ${prefix}`);
  const n = Number(childName.slice(prefix.length));
  if (!Number.isInteger(n)) throw new ZNodeDecodeError(childName, 'no sequence number');
  return n;
}

// ---------------------------------------------------------------------------------------------- cluster, controller

export const ClusterIdZNode = {
  path: '/cluster/id',
  encode: (id: string): Buffer => jsonBytes({ version: '1', id }),
  decode: (data: Buffer | null): string => str(ClusterIdZNode.path, parseObject(ClusterIdZNode.path, data), 'id'),
};

export interface ControllerInfo {
  brokerId: number;
  /** ms since epoch (written as a string); null when absent */
  timestamp: number | null;
}
export const ControllerZNode = {
  path: '/controller',
  encode: (brokerId: number, timestampMs: number): Buffer =>
    jsonBytes({ version: 1, brokerid: brokerId, timestamp: String(timestampMs) }),
  decode: (data: Buffer | null): ControllerInfo => {
    const p = ControllerZNode.path;
    const o = parseObject(p, data);
    return { brokerId: int(p, o, 'brokerid'), timestamp: o.timestamp === undefined ? null : longString(p, o, 'timestamp') };
  },
};

/** Plain decimal text; its znode *version* is the controller fencing token (§1.3). */
export const ControllerEpochZNode = {
  path: '/controller_epoch',
  encode: (epoch: number): Buffer => Buffer.from(String(epoch), 'utf8'),
  decode: (data: Buffer | null): number => decimalText(ControllerEpochZNode.path, data),
};

// ---------------------------------------------------------------------------------------------- brokers

export const BrokersZNode = { path: '/brokers' };
export const BrokerIdsZNode = { path: '/brokers/ids' };
/** setData with any version; the new znode version is the sequence (generated id = version + reserved.broker.max.id). */
export const BrokerSequenceIdZNode = { path: '/brokers/seqid' };

export interface SupportedFeatureRange {
  minVersion: number;
  maxVersion: number;
}

/** What a broker registers (input of the encoder). */
export interface BrokerInfo {
  id: number;
  /** advertised endpoints, in listener order */
  endpoints: EndPoint[];
  rack: string | null;
  /** -1 when unset */
  jmxPort: number;
  features?: Record<string, SupportedFeatureRange>;
}

/** A decoded `/brokers/ids/<id>`. `epoch` (czxid) is filled in by the reader that has the stat. */
export interface BrokerRegistration extends BrokerInfo {
  version: number;
  /** ms since epoch; null when absent */
  timestamp: number | null;
  features: Record<string, SupportedFeatureRange>;
}

/** Broker registration JSON version for IBP ≥ 2.7-IV0. */
export const BROKER_REGISTRATION_VERSION = 5;

export const BrokerIdZNode = {
  path: (id: number): string => `/brokers/ids/${id}`,
  /**
   * `{"features":{},"listener_security_protocol_map":{...},"endpoints":[...],"rack":"r","jmx_port":-1,
   * "host":"h","timestamp":"<ms>","port":9092,"version":5}`; host/port from the first endpoint whose security
   * protocol is PLAINTEXT (null / -1 without one); `rack` only when set.
   */
  encode: (info: BrokerInfo, timestampMs: number, version = BROKER_REGISTRATION_VERSION): Buffer => {
    const plaintext = info.endpoints.find((e) => e.securityProtocol === 'PLAINTEXT');
    const json: Json = {};
    if (version >= 5) {
      const features: Json = {};
      for (const [name, r] of Object.entries(info.features ?? {})) {
        features[name] = { min_version: r.minVersion, max_version: r.maxVersion };
      }
      json.features = features;
    }
    if (version >= 4) {
      const map: Json = {};
      for (const e of info.endpoints) map[e.listenerName] = e.securityProtocol;
      json.listener_security_protocol_map = map;
    }
    json.endpoints = info.endpoints.map(endPointToString);
    if (version >= 3 && info.rack !== null) json.rack = info.rack;
    json.jmx_port = info.jmxPort;
    json.host = plaintext?.host ?? null;
    json.timestamp = String(timestampMs);
    json.port = plaintext ? plaintext.port : -1;
    json.version = version;
    return jsonBytes(json);
  },
  decode: (id: number, data: Buffer | null): BrokerRegistration => {
    const p = BrokerIdZNode.path(id);
    const o = parseObject(p, data);
    const version = int(p, o, 'version');
    if (version < 1) throw new ZNodeDecodeError(p, `unsupported version ${version}`);
    let endpoints: EndPoint[];
    if (version === 1) {
      const host = o.host === null ? null : str(p, o, 'host');
      endpoints = [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host, port: int(p, o, 'port') }];
    } else {
      const protocolMap = new Map<string, SecurityProtocol>();
      if (version >= 4 && o.listener_security_protocol_map !== undefined) {
        for (const [k, v] of Object.entries(obj(p, o.listener_security_protocol_map, 'listener map'))) {
          protocolMap.set(k, v as SecurityProtocol);
        }
      } else {
        for (const sp of ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const) protocolMap.set(sp, sp);
      }
      const list = o.endpoints;
      if (!Array.isArray(list) || !list.every((e) => typeof e === 'string')) {
        throw new ZNodeDecodeError(p, '"endpoints" is not a list of strings');
      }
      try {
        endpoints = (list as string[]).map((e) => parseEndPoint(e, protocolMap));
      } catch (err) {
        throw new ZNodeDecodeError(p, (err as Error).message);
      }
    }
    const features: Record<string, SupportedFeatureRange> = {};
    if (o.features !== undefined) {
      for (const [name, r] of Object.entries(obj(p, o.features, '"features"'))) {
        const ro = obj(p, r, `feature ${name}`);
        features[name] = { minVersion: int(p, ro, 'min_version'), maxVersion: int(p, ro, 'max_version') };
      }
    }
    return {
      id,
      version,
      endpoints,
      rack: typeof o.rack === 'string' ? o.rack : null,
      jmxPort: optInt(p, o, 'jmx_port', -1),
      timestamp: o.timestamp === undefined ? null : longString(p, o, 'timestamp'),
      features,
    };
  },
};

// ---------------------------------------------------------------------------------------------- topics

export interface ReplicaAssignment {
  /** ordered; index 0 is the preferred leader */
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}
/** partition → assignment, iterated in ascending partition order by the encoder */
export type TopicAssignment = Map<number, ReplicaAssignment>;

export function replicaAssignment(replicas: number[]): ReplicaAssignment {
  return { replicas, addingReplicas: [], removingReplicas: [] };
}

export const TopicsZNode = { path: '/brokers/topics' };

export const TopicZNode = {
  path: (topic: string): string => `/brokers/topics/${topic}`,
  /** `{"version":2,"partitions":{"0":[1,2]},"adding_replicas":{},"removing_replicas":{}}` (2.4–2.7) */
  encode: (assignment: TopicAssignment): Buffer => {
    const partitions: Record<string, number[]> = {};
    const adding: Record<string, number[]> = {};
    const removing: Record<string, number[]> = {};
    for (const p of [...assignment.keys()].sort((a, b) => a - b)) {
      const a = assignment.get(p) as ReplicaAssignment;
      partitions[String(p)] = a.replicas;
      if (a.addingReplicas.length > 0) adding[String(p)] = a.addingReplicas;
      if (a.removingReplicas.length > 0) removing[String(p)] = a.removingReplicas;
    }
    return jsonBytes({ version: 2, partitions, adding_replicas: adding, removing_replicas: removing });
  },
  /** Accepts v1 (no adding/removing) through v3 (2.8's topic_id is ignored). */
  decode: (topic: string, data: Buffer | null): TopicAssignment => {
    const p = TopicZNode.path(topic);
    const o = parseObject(p, data);
    const parts = obj(p, o.partitions, '"partitions"');
    const adding = o.adding_replicas === undefined || o.adding_replicas === null ? {} : obj(p, o.adding_replicas, 'adding_replicas');
    const removing =
      o.removing_replicas === undefined || o.removing_replicas === null ? {} : obj(p, o.removing_replicas, 'removing_replicas');
    const out: TopicAssignment = new Map();
    const keys = Object.keys(parts).sort((a, b) => Number(a) - Number(b));
    for (const k of keys) {
      const partition = Number(k);
      if (!Number.isInteger(partition) || partition < 0) throw new ZNodeDecodeError(p, `bad partition key "${k}"`);
      out.set(partition, {
        replicas: intList(p, parts[k], `partition ${k}`),
        addingReplicas: adding[k] === undefined ? [] : intList(p, adding[k], `adding_replicas ${k}`),
        removingReplicas: removing[k] === undefined ? [] : intList(p, removing[k], `removing_replicas ${k}`),
      });
    }
    return out;
  },
};

export const TopicPartitionsZNode = { path: (topic: string): string => `${TopicZNode.path(topic)}/partitions` };
export const TopicPartitionZNode = {
  path: (tp: TopicPartition): string => `${TopicPartitionsZNode.path(tp.topic)}/${tp.partition}`,
};

export interface PartitionState {
  /** -1 = no leader */
  leader: number;
  leaderEpoch: number;
  isr: number[];
  /** epoch of the controller that made the last leadership decision */
  controllerEpoch: number;
}

export const TopicPartitionStateZNode = {
  path: (tp: TopicPartition): string => `${TopicPartitionZNode.path(tp)}/state`,
  /** `{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2,3]}` */
  encode: (s: PartitionState): Buffer =>
    jsonBytes({
      controller_epoch: s.controllerEpoch,
      leader: s.leader,
      version: 1,
      leader_epoch: s.leaderEpoch,
      isr: s.isr,
    }),
  decode: (tp: TopicPartition, data: Buffer | null): PartitionState => {
    const p = TopicPartitionStateZNode.path(tp);
    const o = parseObject(p, data);
    return {
      leader: int(p, o, 'leader'),
      leaderEpoch: int(p, o, 'leader_epoch'),
      isr: intList(p, o.isr, '"isr"'),
      controllerEpoch: int(p, o, 'controller_epoch'),
    };
  },
};

// ---------------------------------------------------------------------------------------------- config

export type ConfigEntityType = 'topics' | 'brokers' | 'clients' | 'users';
export const CONFIG_ENTITY_TYPES: readonly ConfigEntityType[] = ['topics', 'clients', 'users', 'brokers'];
/** The literal entity name of the default entity (`/config/brokers/<default>`). */
export const DEFAULT_CONFIG_ENTITY = '<default>';

export const ConfigZNode = { path: '/config' };
export const ConfigEntityTypeZNode = { path: (type: ConfigEntityType): string => `/config/${type}` };

export const ConfigEntityZNode = {
  path: (type: ConfigEntityType, name: string): string => `/config/${type}/${name}`,
  /** `{"version":1,"config":{"retention.ms":"86400000"}}` — all values strings */
  encode: (config: Record<string, string>): Buffer => jsonBytes({ version: 1, config }),
  /** null data (a bare entity znode) is an empty config, as in Kafka. */
  decode: (path: string, data: Buffer | null): Record<string, string> => {
    if (data === null || data.length === 0) return {};
    const o = parseObject(path, data);
    if (o.config === undefined || o.config === null) return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(path, o.config, '"config"'))) {
      if (typeof v !== 'string') throw new ZNodeDecodeError(path, `config value of ${k} is not a string`);
      out[k] = v;
    }
    return out;
  },
};

export const ConfigEntityChangeNotificationZNode = { path: '/config/changes' };
export const ConfigEntityChangeNotificationSequenceZNode = {
  prefix: 'config_change_',
  /** the path prefix to create with persistent-sequential mode */
  createPath: '/config/changes/config_change_',
  path: (name: string): string => `/config/changes/${name}`,
  /** `{"version":2,"entity_path":"topics/my-topic"}` */
  encode: (entityPath: string): Buffer => jsonBytes({ version: 2, entity_path: entityPath }),
  /** v2 → entity_path; v1 (`entity_type`/`entity_name`) → "<type>/<name>" */
  decode: (name: string, data: Buffer | null): string => {
    const p = ConfigEntityChangeNotificationSequenceZNode.path(name);
    const o = parseObject(p, data);
    const version = int(p, o, 'version');
    if (version === 1) return `${str(p, o, 'entity_type')}/${str(p, o, 'entity_name')}`;
    if (version === 2) return str(p, o, 'entity_path');
    throw new ZNodeDecodeError(p, `unsupported version ${version}`);
  },
};

// ---------------------------------------------------------------------------------------------- admin

export const AdminZNode = { path: '/admin' };
export const DeleteTopicsZNode = { path: '/admin/delete_topics' };
export const DeleteTopicsTopicZNode = { path: (topic: string): string => `/admin/delete_topics/${topic}` };

export interface PartitionReassignment {
  tp: TopicPartition;
  replicas: number[];
}
export const ReassignPartitionsZNode = {
  path: '/admin/reassign_partitions',
  /** `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[4,5,6]}]}` */
  encode: (list: PartitionReassignment[]): Buffer =>
    jsonBytes({
      version: 1,
      partitions: list.map((r) => ({ topic: r.tp.topic, partition: r.tp.partition, replicas: r.replicas })),
    }),
  decode: (data: Buffer | null): PartitionReassignment[] => {
    const p = ReassignPartitionsZNode.path;
    const o = parseObject(p, data);
    const list = o.partitions;
    if (!Array.isArray(list)) throw new ZNodeDecodeError(p, '"partitions" is not a list');
    return list.map((e) => {
      const eo = obj(p, e, 'partition entry');
      return {
        tp: { topic: str(p, eo, 'topic'), partition: int(p, eo, 'partition') },
        replicas: intList(p, eo.replicas, '"replicas"'),
      };
    });
  },
};

export const PreferredReplicaElectionZNode = {
  path: '/admin/preferred_replica_election',
  /** `{"version":1,"partitions":[{"topic":"t","partition":0}]}` */
  encode: (tps: TopicPartition[]): Buffer =>
    jsonBytes({ version: 1, partitions: tps.map((tp) => ({ topic: tp.topic, partition: tp.partition })) }),
  decode: (data: Buffer | null): TopicPartition[] =>
    partitionList(PreferredReplicaElectionZNode.path, parseObject(PreferredReplicaElectionZNode.path, data)),
};

// ---------------------------------------------------------------------------------------------- notifications

export const IsrChangeNotificationZNode = { path: '/isr_change_notification' };
export const IsrChangeNotificationSequenceZNode = {
  prefix: 'isr_change_',
  createPath: '/isr_change_notification/isr_change_',
  path: (name: string): string => `/isr_change_notification/${name}`,
  /** `{"version":1,"partitions":[{"topic":"t","partition":0}]}` */
  encode: (tps: TopicPartition[]): Buffer =>
    jsonBytes({ version: 1, partitions: tps.map((tp) => ({ topic: tp.topic, partition: tp.partition })) }),
  decode: (name: string, data: Buffer | null): TopicPartition[] => {
    const p = IsrChangeNotificationSequenceZNode.path(name);
    return partitionList(p, parseObject(p, data));
  },
};

/** event 1 = LogDirFailure */
export const LOG_DIR_FAILURE_EVENT = 1;
export const LogDirEventNotificationZNode = { path: '/log_dir_event_notification' };
export const LogDirEventNotificationSequenceZNode = {
  prefix: 'log_dir_event_',
  createPath: '/log_dir_event_notification/log_dir_event_',
  path: (name: string): string => `/log_dir_event_notification/${name}`,
  /** `{"version":1,"broker":<id>,"event":1}` */
  encode: (brokerId: number): Buffer => jsonBytes({ version: 1, broker: brokerId, event: LOG_DIR_FAILURE_EVENT }),
  decode: (name: string, data: Buffer | null): { brokerId: number; event: number } => {
    const p = LogDirEventNotificationSequenceZNode.path(name);
    const o = parseObject(p, data);
    return { brokerId: int(p, o, 'broker'), event: int(p, o, 'event') };
  },
};

// ---------------------------------------------------------------------------------------------- producer ids, features

export interface ProducerIdBlock {
  brokerId: number;
  /** inclusive */
  blockStart: number;
  /** inclusive */
  blockEnd: number;
}
export const PRODUCER_ID_BLOCK_SIZE = 1000;
export const ProducerIdBlockZNode = {
  path: '/latest_producer_id_block',
  /** `{"version":1,"broker":1,"block_start":"0","block_end":"999"}` */
  encode: (b: ProducerIdBlock): Buffer =>
    jsonBytes({ version: 1, broker: b.brokerId, block_start: String(b.blockStart), block_end: String(b.blockEnd) }),
  /** null when the znode holds no data yet (first claim) */
  decode: (data: Buffer | null): ProducerIdBlock | null => {
    if (data === null || data.length === 0) return null;
    const p = ProducerIdBlockZNode.path;
    const o = parseObject(p, data);
    return { brokerId: int(p, o, 'broker'), blockStart: longString(p, o, 'block_start'), blockEnd: longString(p, o, 'block_end') };
  },
};

export const FeatureZNode = {
  path: '/feature',
  /** `{"version":1,"status":1,"features":{}}` (status 1 = Enabled, 0 = Disabled) */
  encode: (enabled: boolean, features: Record<string, { minVersionLevel: number; maxVersionLevel: number }> = {}): Buffer => {
    const f: Json = {};
    for (const [k, v] of Object.entries(features)) f[k] = { min_version_level: v.minVersionLevel, max_version_level: v.maxVersionLevel };
    return jsonBytes({ version: 1, status: enabled ? 1 : 0, features: f });
  },
};

// ---------------------------------------------------------------------------------------------- consumers (§15)

export const ConsumersZNode = { path: '/consumers' };
export const ConsumerGroupZNode = { path: (group: string): string => `/consumers/${group}` };

export const ConsumerOffsetsTopicZNode = {
  path: (group: string, topic: string): string => `/consumers/${group}/offsets/${topic}`,
};
/** Next offset to consume as decimal text, e.g. "12345" (what old tools read). */
export const ConsumerOffsetZNode = {
  path: (group: string, tp: TopicPartition): string => `/consumers/${group}/offsets/${tp.topic}/${tp.partition}`,
  encode: (offset: number): Buffer => Buffer.from(String(offset), 'utf8'),
  decode: (group: string, tp: TopicPartition, data: Buffer | null): number =>
    decimalText(ConsumerOffsetZNode.path(group, tp), data),
};

export interface OffsetCommitMetadata {
  /** the offset this metadata belongs to (ignored when the decimal znode says otherwise) */
  offset: number;
  metadata: string;
  /** -1 when unknown */
  leaderEpoch: number;
  commitTimestamp: number;
}
/** gregor's sidecar: `{"version":1,"offset":5,"leader_epoch":3,"metadata":"m","commit_timestamp":"<ms>"}` */
export const ConsumerOffsetMetadataZNode = {
  path: (group: string, tp: TopicPartition): string => `/consumers/${group}/offsets_metadata/${tp.topic}/${tp.partition}`,
  encode: (m: OffsetCommitMetadata): Buffer =>
    jsonBytes({
      version: 1,
      offset: m.offset,
      leader_epoch: m.leaderEpoch,
      metadata: m.metadata,
      commit_timestamp: String(m.commitTimestamp),
    }),
  decode: (group: string, tp: TopicPartition, data: Buffer | null): OffsetCommitMetadata => {
    const p = ConsumerOffsetMetadataZNode.path(group, tp);
    const o = parseObject(p, data);
    return {
      offset: int(p, o, 'offset'),
      metadata: typeof o.metadata === 'string' ? o.metadata : '',
      leaderEpoch: optInt(p, o, 'leader_epoch', -1),
      commitTimestamp: o.commit_timestamp === undefined ? -1 : longString(p, o, 'commit_timestamp'),
    };
  },
};

export interface ConsumerRegistration {
  /** topic (or regex for wildcard patterns) → stream count */
  subscription: Record<string, number>;
  pattern: 'static' | 'white_list' | 'black_list';
  timestamp: number;
}
export const ConsumerIdsZNode = { path: (group: string): string => `/consumers/${group}/ids` };
export const ConsumerIdZNode = {
  path: (group: string, memberId: string): string => `/consumers/${group}/ids/${memberId}`,
  /** `{"version":1,"subscription":{"t":1},"pattern":"static","timestamp":"<ms>"}` */
  encode: (r: ConsumerRegistration): Buffer =>
    jsonBytes({ version: 1, subscription: r.subscription, pattern: r.pattern, timestamp: String(r.timestamp) }),
  decode: (path: string, data: Buffer | null): ConsumerRegistration => {
    const o = parseObject(path, data);
    const sub: Record<string, number> = {};
    for (const [k, v] of Object.entries(obj(path, o.subscription, '"subscription"'))) {
      if (typeof v !== 'number') throw new ZNodeDecodeError(path, `subscription ${k} is not a number`);
      sub[k] = v;
    }
    const pattern = str(path, o, 'pattern');
    if (pattern !== 'static' && pattern !== 'white_list' && pattern !== 'black_list') {
      throw new ZNodeDecodeError(path, `bad pattern ${pattern}`);
    }
    return { subscription: sub, pattern, timestamp: longString(path, o, 'timestamp') };
  },
};
export const ConsumerOwnersZNode = { path: (group: string): string => `/consumers/${group}/owners` };
/** Ephemeral; data = consumer thread id text `"<consumerId>-<threadIndex>"`. */
export const ConsumerOwnerZNode = {
  path: (group: string, tp: TopicPartition): string => `/consumers/${group}/owners/${tp.topic}/${tp.partition}`,
  encode: (ownerThreadId: string): Buffer => Buffer.from(ownerThreadId, 'utf8'),
  decode: (data: Buffer | null): string => data?.toString('utf8') ?? '',
};

export const ConsumerTxnOffsetsZNode = { path: (group: string): string => `/consumers/${group}/txn_offsets` };
export const ConsumerTxnProducerZNode = {
  path: (group: string, producerId: number): string => `/consumers/${group}/txn_offsets/${producerId}`,
  /** `{"version":1,"producer_epoch":0,"coordinator_epoch":0,"timestamp":"<ms>"}` */
  encode: (s: { producerEpoch: number; coordinatorEpoch: number; timestamp: number }): Buffer =>
    jsonBytes({
      version: 1,
      producer_epoch: s.producerEpoch,
      coordinator_epoch: s.coordinatorEpoch,
      timestamp: String(s.timestamp),
    }),
  decode: (path: string, data: Buffer | null): { producerEpoch: number; coordinatorEpoch: number; timestamp: number } => {
    const o = parseObject(path, data);
    return {
      producerEpoch: int(path, o, 'producer_epoch'),
      coordinatorEpoch: int(path, o, 'coordinator_epoch'),
      timestamp: longString(path, o, 'timestamp'),
    };
  },
};
export interface PendingTxnOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  producerEpoch: number;
}
export const ConsumerTxnOffsetZNode = {
  path: (group: string, producerId: number, tp: TopicPartition): string =>
    `/consumers/${group}/txn_offsets/${producerId}/${tp.topic}/${tp.partition}`,
  /** `{"version":1,"offset":5,"leader_epoch":0,"metadata":"","commit_timestamp":"<ms>","producer_epoch":0}` */
  encode: (o: PendingTxnOffset): Buffer =>
    jsonBytes({
      version: 1,
      offset: o.offset,
      leader_epoch: o.leaderEpoch,
      metadata: o.metadata,
      commit_timestamp: String(o.commitTimestamp),
      producer_epoch: o.producerEpoch,
    }),
  decode: (path: string, data: Buffer | null): PendingTxnOffset => {
    const o = parseObject(path, data);
    return {
      offset: int(path, o, 'offset'),
      leaderEpoch: optInt(path, o, 'leader_epoch', -1),
      metadata: typeof o.metadata === 'string' ? o.metadata : '',
      commitTimestamp: longString(path, o, 'commit_timestamp'),
      producerEpoch: int(path, o, 'producer_epoch'),
    };
  },
};

// ---------------------------------------------------------------------------------------------- top level

/** Persistent paths Kafka 2.7 creates (recursively, null data) at every broker start (§2.1). */
export const TOP_LEVEL_PATHS: readonly string[] = [
  ConsumersZNode.path,
  BrokerIdsZNode.path,
  TopicsZNode.path,
  ConfigEntityChangeNotificationZNode.path,
  DeleteTopicsZNode.path,
  BrokerSequenceIdZNode.path,
  IsrChangeNotificationZNode.path,
  ProducerIdBlockZNode.path,
  LogDirEventNotificationZNode.path,
  ...CONFIG_ENTITY_TYPES.map((t) => ConfigEntityTypeZNode.path(t)),
];
