/**
 * The delayed admin operations (Kafka's DelayedCreatePartitions and DelayedDeleteTopics, rule 9)
 * and the per-item error helpers the admin handlers share.
 *
 * Behaviour (Kafka 2.7 AdminManager):
 * - CreateTopics and CreatePartitions wait until this broker's metadata cache shows a live leader
 *   for every partition they created; DeleteTopics waits until the cache no longer holds the
 *   topics. The cache changes only on the controller's UpdateMetadata, after which the broker
 *   calls `adminPurgatory.checkAndComplete(metadataChangedKey)`: that single key is what every
 *   operation here is watched under.
 * - On expiry, the items still waiting answer REQUEST_TIMED_OUT (the topic or its partitions stay
 *   created / marked for deletion); items that had already failed keep their own error.
 * - `awaitAdmin` turns an operation into the promise a handler returns; `timeoutMs ≤ 0` never
 *   reaches it (the handlers answer at once, REQUEST_TIMED_OUT for the items that succeeded).
 * Deviations from Kafka:
 * - Kafka counts a partition as led when its cached leader is not -1; we also require the leader
 *   to be a live broker (MetadataCache.partition + isBrokerAlive), which is what clients need.
 */
import { KafkaError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { ConfigError } from '../config/config-def.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { MetadataCache } from '../metadata/metadata-cache.js';
import type { DelayedOperation, Purgatory } from '../purgatory/purgatory.js';

/** An item's outcome: a Kafka error code and the message Kafka would put beside it. */
export interface ApiError {
  code: ErrorCode;
  message: string | null;
}

export const API_ERROR_NONE: ApiError = { code: ErrorCode.None, message: null };

export function apiError(code: ErrorCode, message: string | null = null): ApiError {
  return { code, message };
}

/** KafkaError → its code and message; anything else is a bug: logged, UNKNOWN_SERVER_ERROR. */
export function toApiError(err: unknown, log: Logger, what: string): ApiError {
  if (err instanceof KafkaError) return { code: err.code, message: err.message };
  if (err instanceof ConfigError) return { code: ErrorCode.InvalidConfig, message: err.message };
  log.error({ err }, `unexpected error ${what}`);
  return { code: ErrorCode.UnknownServerError, message: err instanceof Error ? err.message : String(err) };
}

/** The partitions an item created, and what it had come to before the wait. */
export interface PendingCreation {
  topic: string;
  /** partition ids that must show a live leader; empty when the item failed */
  partitions: readonly number[];
  error: ApiError;
}

function isMissingLeader(cache: MetadataCache, topic: string, partition: number): boolean {
  const info = cache.partition({ topic, partition });
  return info === undefined || !cache.isBrokerAlive(info.leader);
}

/** Kafka's DelayedCreatePartitions: serves CreateTopics and CreatePartitions. */
export class DelayedCreatePartitions implements DelayedOperation {
  constructor(
    readonly deadline: number,
    private readonly cache: MetadataCache,
    private readonly items: readonly PendingCreation[],
    private readonly respond: (results: ApiError[]) => void,
  ) {}

  tryComplete(): boolean {
    return this.items.every((item) => item.error.code !== ErrorCode.None || !this.missingLeaders(item));
  }

  onComplete(): void {
    this.respond(
      this.items.map((item) =>
        item.error.code === ErrorCode.None && this.missingLeaders(item) ? apiError(ErrorCode.RequestTimedOut) : item.error,
      ),
    );
  }

  private missingLeaders(item: PendingCreation): boolean {
    return item.partitions.some((p) => isMissingLeader(this.cache, item.topic, p));
  }
}

export interface PendingDeletion {
  topic: string;
  error: ApiError;
}

/** Kafka's DelayedDeleteTopics: done when no successfully marked topic is left in the cache. */
export class DelayedDeleteTopics implements DelayedOperation {
  constructor(
    readonly deadline: number,
    private readonly cache: MetadataCache,
    private readonly items: readonly PendingDeletion[],
    private readonly respond: (results: ApiError[]) => void,
  ) {}

  tryComplete(): boolean {
    return this.items.every((item) => item.error.code !== ErrorCode.None || !this.cache.hasTopic(item.topic));
  }

  onComplete(): void {
    this.respond(
      this.items.map((item) =>
        item.error.code === ErrorCode.None && this.cache.hasTopic(item.topic) ? apiError(ErrorCode.RequestTimedOut) : item.error,
      ),
    );
  }
}

/**
 * Waits for `build(respond)` in the admin purgatory (watched under `key`); resolves with its
 * results, at once if its condition already holds.
 */
export function awaitAdmin(
  purgatory: Purgatory<DelayedOperation>,
  key: string,
  build: (respond: (results: ApiError[]) => void) => DelayedOperation,
): Promise<ApiError[]> {
  return new Promise((resolve) => {
    purgatory.tryCompleteElseWatch(build(resolve), [key]);
  });
}

/**
 * The answer when nothing waits (timeoutMs ≤ 0, validateOnly, or every item failed): items that
 * succeeded get REQUEST_TIMED_OUT unless only validating (AdminManager step 2).
 */
export function answerWithoutWaiting(errors: readonly ApiError[], validateOnly: boolean): ApiError[] {
  return errors.map((e) => (e.code === ErrorCode.None && !validateOnly ? apiError(ErrorCode.RequestTimedOut) : e));
}
