/**
 * UpdateMetadata (key 6), versions 0–6 (v6 flexible), from the controller (zk-and-controller.md §8.5).
 * Behavior:
 * - a broker epoch (v5+) older than ours → STALE_BROKER_EPOCH; a controller epoch older than the
 *   highest seen → STALE_CONTROLLER_EPOCH (Kafka's ControllerMovedException); otherwise the epoch
 *   is adopted;
 * - the live-broker list is replaced, partition states merged (leader -2 deletes), into the
 *   MetadataCache. Endpoints: v0 host/port = PLAINTEXT; v1–v2 the listener is named after its
 *   security protocol; v3+ named listeners;
 * - then delayed admin operations re-check (`adminPurgatory.checkAndComplete(metadataChangedKey)`)
 *   and `onPartitionsDeleted` hears the partitions removed (the group coordinator drops their offsets).
 * Authorization: CLUSTER_ACTION on the cluster (only brokers hold it), else CLUSTER_AUTHORIZATION_FAILED.
 */
import type { TopicPartition } from '../../common/topic-partition.js';
import type { ReplicaManager } from '../../cluster/replica-manager.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from '../../protocol/messages/update-metadata.js';
import type { MessageValue } from '../../protocol/schema.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';
import type { MetadataUpdate, PartitionInfo } from '../../metadata/metadata-cache.js';
import { partitionStateFields, partitionStatesOf } from './control-partitions.js';
import { AclOperation } from '../../common/acl.js';

type Req = MessageValue<typeof UpdateMetadataRequest>;
type State = Req['ungroupedPartitionStates'][number];

const SECURITY_PROTOCOL_NAMES = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
const PLAINTEXT = 0;

function toPartitionInfo(topic: string, s: State): PartitionInfo {
  return { ...partitionStateFields(topic, s), offlineReplicas: s.offlineReplicas };
}

/** The MetadataCache update carried by an UpdateMetadata request of any version. */
export function metadataUpdateOf(req: Req, version: number): MetadataUpdate {
  const partitions = partitionStatesOf(req, toPartitionInfo);
  const liveBrokers = req.liveBrokers.map((b) => ({
    id: b.id,
    rack: version >= 2 ? b.rack : null,
    endpoints:
      version === 0
        ? [{ listenerName: 'PLAINTEXT', host: b.v0Host, port: b.v0Port, securityProtocol: PLAINTEXT }]
        : b.endpoints.map((e) => ({
            listenerName: version >= 3 ? e.listener : (SECURITY_PROTOCOL_NAMES[e.securityProtocol] ?? String(e.securityProtocol)),
            host: e.host,
            port: e.port,
            securityProtocol: e.securityProtocol,
          })),
  }));
  return { controllerId: req.controllerId, controllerEpoch: req.controllerEpoch, liveBrokers, partitions };
}

export interface UpdateMetadataOptions {
  onPartitionsDeleted?(partitions: TopicPartition[]): void;
}

export function createUpdateMetadataHandler(deps: BrokerDeps, replicaManager: ReplicaManager, opts: UpdateMetadataOptions = {}): Handler {
  return defineHandler({
    request: UpdateMetadataRequest,
    response: UpdateMetadataResponse,
    versions: { min: 0, max: 6 },
    handle(req, ctx) {
      ctx.requireClusterOperation(AclOperation.ClusterAction);
      if (replicaManager.isBrokerEpochStale(req.brokerEpoch)) return { errorCode: ErrorCode.StaleBrokerEpoch };
      if (req.controllerEpoch < replicaManager.controllerEpoch) return { errorCode: ErrorCode.StaleControllerEpoch };
      const deleted = deps.metadataCache.update(metadataUpdateOf(req, ctx.apiVersion));
      replicaManager.checkAndAdoptControllerEpoch(req.controllerEpoch);
      if (deleted.length > 0) opts.onPartitionsDeleted?.(deleted);
      deps.adminPurgatory.checkAndComplete(deps.metadataChangedKey);
      return { errorCode: ErrorCode.None };
    },
    errorResponse: (_req, code) => ({ errorCode: code }),
  });
}
