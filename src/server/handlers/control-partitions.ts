/**
 * What the handlers of the controller's requests (LeaderAndIsr, UpdateMetadata, StopReplica) share:
 * reading the partition states of every version, and the error response naming every partition.
 */
import type { TopicPartition } from '../../common/topic-partition.js';
import type { UpdateMetadataRequest } from '../../protocol/messages/update-metadata.js';
import type { MessageValue } from '../../protocol/schema.js';

/** The partition-state fields LeaderAndIsr and UpdateMetadata have in common. */
type ControlPartitionState = Pick<
  MessageValue<typeof UpdateMetadataRequest>['topicStates'][number]['partitionStates'][number],
  'partitionIndex' | 'controllerEpoch' | 'leader' | 'leaderEpoch' | 'isr' | 'zkVersion' | 'replicas'
>;

/**
 * Every partition state of a LeaderAndIsr or UpdateMetadata request, whatever its version, through `convert`:
 * the ungrouped ones of the old versions (each naming its topic), then those grouped under `topicStates`.
 */
export function partitionStatesOf<S extends { topicName: string }, T>(
  req: { ungroupedPartitionStates: readonly S[]; topicStates: ReadonlyArray<{ topicName: string; partitionStates: readonly S[] }> },
  convert: (topic: string, s: S) => T,
): T[] {
  const out = req.ungroupedPartitionStates.map((s) => convert(s.topicName, s));
  for (const t of req.topicStates) for (const s of t.partitionStates) out.push(convert(t.topicName, s));
  return out;
}

/** The common fields of a partition state, named as the replica manager and the metadata cache name them. */
export function partitionStateFields(topic: string, s: ControlPartitionState) {
  return {
    topic,
    partition: s.partitionIndex,
    controllerEpoch: s.controllerEpoch,
    leader: s.leader,
    leaderEpoch: s.leaderEpoch,
    isr: s.isr,
    zkVersion: s.zkVersion,
    replicas: s.replicas,
  };
}

/** `code` at the top level and for every partition (the errorResponse of LeaderAndIsr and StopReplica). */
export function everyPartitionFailed(partitions: readonly TopicPartition[], code: number) {
  return {
    errorCode: code,
    partitionErrors: partitions.map((p) => ({ topicName: p.topic, partitionIndex: p.partition, errorCode: code })),
  };
}
