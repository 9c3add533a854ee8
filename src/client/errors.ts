/**
 * Errors of the client side (the gregor tools): a Kafka error code answered by a broker, and a
 * call that no broker answered in time. Their messages are what Kafka's Java clients put in the
 * matching exceptions, because the tools print `e.getMessage` and scripts grep for it.
 */
import { ErrorCode, errorInfo } from '../protocol/error-codes.js';

/** The default messages of Kafka 2.7's ApiException subclasses, for the codes the tools meet. */
const DEFAULT_MESSAGES: Partial<Record<number, string>> = {
  [ErrorCode.UnknownTopicOrPartition]: 'This server does not host this topic-partition.',
  [ErrorCode.LeaderNotAvailable]: 'There is no leader for this topic-partition as we are in the middle of a leadership election.',
  [ErrorCode.NotLeaderOrFollower]: 'For requests intended only for the leader, this error indicates that the broker is not the current leader. For requests intended for any replica, this error indicates that the broker is not a replica of the topic partition.',
  [ErrorCode.CoordinatorNotAvailable]: 'The coordinator is not available.',
  [ErrorCode.NotCoordinator]: 'This is not the correct coordinator.',
  [ErrorCode.InvalidTopicException]: 'The request attempted to perform an operation on an invalid topic.',
  [ErrorCode.TopicAlreadyExists]: 'Topic with this name already exists.',
  [ErrorCode.InvalidPartitions]: 'Number of partitions is below 1.',
  [ErrorCode.InvalidReplicationFactor]: 'Replication factor is below 1 or larger than the number of available brokers.',
  [ErrorCode.InvalidReplicaAssignment]: 'Replica assignment is invalid.',
  [ErrorCode.InvalidConfig]: 'Configuration is invalid.',
  [ErrorCode.NotController]: 'This is not the correct controller for this cluster.',
  [ErrorCode.InvalidRequest]: 'This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.',
  [ErrorCode.GroupIdNotFound]: 'The group id does not exist.',
  [ErrorCode.NonEmptyGroup]: 'The group is not empty.',
  [ErrorCode.GroupSubscribedToTopic]: 'Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.',
  [ErrorCode.ElectionNotNeeded]: 'Leader election not needed for topic partition.',
  [ErrorCode.EligibleLeadersNotAvailable]: 'Eligible topic partition leaders are not available.',
  [ErrorCode.PreferredLeaderNotAvailable]: 'The preferred leader was not available.',
  [ErrorCode.NoReassignmentInProgress]: 'No partition reassignment is in progress.',
  [ErrorCode.LogDirNotFound]: 'The user-specified log directory is not found in the broker config.',
  [ErrorCode.KafkaStorageError]: 'Disk error when trying to access log file on the disk.',
  [ErrorCode.TopicDeletionDisabled]: 'Topic deletion is disabled.',
  [ErrorCode.UnsupportedVersion]: 'The version of API is not supported.',
  [ErrorCode.ReplicaNotAvailable]: 'The replica is not available for the requested topic-partition.',
  [ErrorCode.RebalanceInProgress]: 'The group is rebalancing, so a rejoin is needed.',
  [ErrorCode.UnknownMemberId]: 'The coordinator is not aware of this member.',
  [ErrorCode.IllegalGeneration]: 'Specified group generation id is not valid.',
};

/** A broker answered `code`; `message` is the broker's errorMessage when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message?: string | null,
  ) {
    super(message ?? DEFAULT_MESSAGES[code] ?? errorInfo(code).name);
    this.name = errorInfo(code).name;
  }

  get retriable(): boolean {
    return errorInfo(this.code).retriable;
  }
}

/** Throws ApiError unless `code` is NONE. */
export function throwIfError(code: number, message?: string | null): void {
  if (code !== ErrorCode.None) throw new ApiError(code, message);
}

/** Kafka's org.apache.kafka.common.errors.TimeoutException as the admin client words it. */
export class ClientTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutException';
  }
}
