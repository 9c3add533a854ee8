/**
 * CreatePartitions (key 37), versions 0–3.
 * Behaviour (Kafka 2.7 KafkaApis.handleCreatePartitionsRequest + AdminManager.createPartitions +
 * AdminZkClient.createNewPartitionsAssignment), per topic in request order:
 * 1. a topic named twice → INVALID_REQUEST "Duplicate topic in request."; no ALTER on the topic →
 *    TOPIC_AUTHORIZATION_FAILED; a topic marked for deletion (`/admin/delete_topics/<t>`) →
 *    INVALID_TOPIC_EXCEPTION;
 * 2. no `/brokers/topics/<t>` → UNKNOWN_TOPIC_OR_PARTITION; a partition being reassigned →
 *    REASSIGNMENT_IN_PROGRESS;
 * 3. `count` is the new total: lower or equal → INVALID_PARTITIONS;
 * 4. explicit assignments (one per new partition): brokers not registered → INVALID_REPLICA_
 *    ASSIGNMENT; wrong number of assignments, an empty list, a broker twice, a replication factor
 *    other than partition 0's → INVALID_REPLICA_ASSIGNMENT;
 * 5. otherwise placement continues the existing one (`assignNewPartitions`: the registered brokers
 *    from ZooKeeper sorted by id, start after partition 0's first replica, RF of partition 0);
 * 6. validateOnly stops here; else the full assignment is written to `/brokers/topics/<t>`
 *    (conditional on the version just read: a concurrent change → REASSIGNMENT_IN_PROGRESS);
 * 7. the answer waits until every new partition has a live leader in the metadata cache, or
 *    timeoutMs → REQUEST_TIMED_OUT; timeoutMs ≤ 0 answers at once (REQUEST_TIMED_OUT for the
 *    topics extended), as Kafka does.
 * Deviations from Kafka:
 * - any broker answers (Kafka 2.7: NOT_CONTROLLER off the controller); no quota.
 * - the assignment write is conditional on its zkVersion (Kafka writes with any version).
 */
import { KafkaError } from '../../common/errors.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { assignNewPartitions, type Assignment, type BrokerPlacement } from '../../controller/replica-assignment.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages/create-partitions.js';
import type { MessageValue } from '../../protocol/schema.js';
import { replicaAssignment, type TopicAssignment } from '../../zk/znodes.js';
import type { BrokerDeps } from '../broker-deps.js';
import {
  API_ERROR_NONE,
  DelayedCreatePartitions,
  answerWithoutWaiting,
  apiError,
  awaitAdmin,
  toApiError,
  type ApiError,
  type PendingCreation,
} from '../delayed-admin.js';
import { defineHandler, type Handler } from '../handler.js';

/**
 * The answer per topic of CreateTopics and CreatePartitions: at once when there is nothing to wait for (timeout ≤ 0,
 * validateOnly, or no topic succeeded), else once every new partition has a leader in the metadata cache or the
 * timeout passed (DelayedCreatePartitions).
 */
export async function awaitCreations(
  deps: BrokerDeps,
  req: { timeoutMs: number; validateOnly: boolean },
  items: readonly PendingCreation[],
): Promise<ApiError[]> {
  const errors = items.map((i) => i.error);
  return req.timeoutMs <= 0 || req.validateOnly || errors.every((e) => e.code !== ErrorCode.None)
    ? answerWithoutWaiting(errors, req.validateOnly)
    : await awaitAdmin(deps.adminPurgatory, deps.metadataChangedKey, (respond) =>
        new DelayedCreatePartitions(deps.clock.now() + req.timeoutMs, deps.metadataCache, items, respond),
      );
}

type Topic = MessageValue<typeof CreatePartitionsRequest>['topics'][number];

const invalidAssignment = (message: string) => new KafkaError(ErrorCode.InvalidReplicaAssignment, message);

/** AdminZkClient.validateReplicaAssignment for the proposed new partitions. */
function validateNewAssignment(proposed: Assignment, expectedRf: number, registered: ReadonlySet<number>): void {
  for (const [p, replicas] of proposed) {
    if (replicas.length === 0) throw invalidAssignment(`Cannot have replication factor of 0 for partition id ${p}.`);
    if (new Set(replicas).size !== replicas.length) {
      throw invalidAssignment(`Duplicate brokers not allowed in replica assignment: ${replicas.join(', ')} for partition id ${p}.`);
    }
    if (!replicas.every((b) => registered.has(b))) {
      throw new KafkaError(
        ErrorCode.BrokerNotAvailable,
        `Some brokers specified for partition id ${p} are not available. Specified brokers: ${replicas.join(', ')}, ` +
          `available brokers: ${[...registered].join(', ')}.`,
      );
    }
  }
  const bad = [...proposed].filter(([, r]) => r.length !== expectedRf).sort(([a], [b]) => a - b);
  if (bad.length > 0) {
    throw invalidAssignment(
      `Inconsistent replication factor between partitions, partition 0 has ${expectedRf} while partitions ` +
        `[${bad.map(([p]) => p).join(', ')}] have replication factors [${bad.map(([, r]) => r.length).join(', ')}], respectively.`,
    );
  }
}

export function createCreatePartitionsHandler(deps: BrokerDeps): Handler {
  /** Validates one topic and, unless validateOnly, writes it; returns the new partition ids. */
  async function addPartitionsOrThrow(topic: Topic, brokers: readonly BrokerPlacement[], validateOnly: boolean): Promise<number[]> {
    const current = await deps.zk.getTopicAssignment(topic.name);
    if (current === null) throw new KafkaError(ErrorCode.UnknownTopicOrPartition, `The topic '${topic.name}' does not exist.`);
    const existing = current.assignment;
    if ([...existing.values()].some((a) => a.addingReplicas.length > 0 || a.removingReplicas.length > 0)) {
      throw new KafkaError(ErrorCode.ReassignmentInProgress, `A partition reassignment is in progress for the topic '${topic.name}'.`);
    }
    const oldCount = existing.size;
    if (topic.count < oldCount) {
      throw new KafkaError(
        ErrorCode.InvalidPartitions,
        `Topic currently has ${oldCount} partitions, which is higher than the requested ${topic.count}.`,
      );
    }
    if (topic.count === oldCount) throw new KafkaError(ErrorCode.InvalidPartitions, `Topic already has ${oldCount} partitions.`);
    const registered = new Set(brokers.map((b) => b.id));
    const existingReplicas: Assignment = new Map([...existing].map(([p, a]) => [p, a.replicas]));
    let added: Assignment;
    if (topic.assignments !== null) {
      const lists = topic.assignments.map((a) => a.brokerIds);
      const unknown = [...new Set(lists.flat())].filter((b) => !registered.has(b)).sort((a, b) => a - b);
      if (unknown.length > 0) throw invalidAssignment(`Unknown broker(s) in replica assignment: ${unknown.join(', ')}.`);
      const increment = topic.count - oldCount;
      if (lists.length !== increment) {
        throw invalidAssignment(`Increasing the number of partitions by ${increment} but ${lists.length} assignments provided.`);
      }
      added = new Map(lists.map((r, i) => [oldCount + i, r]));
      validateNewAssignment(added, existing.get(0)?.replicas.length ?? 0, registered);
    } else {
      added = assignNewPartitions(brokers, existingReplicas, topic.count);
    }
    if (!validateOnly) {
      const full: TopicAssignment = new Map(existing);
      for (const [p, r] of added) full.set(p, replicaAssignment(r));
      if ((await deps.zk.setTopicAssignment(null, topic.name, full, current.zkVersion)) === null) {
        throw new KafkaError(ErrorCode.ReassignmentInProgress, `The assignment of topic '${topic.name}' changed concurrently; retry.`);
      }
      deps.log.info({ topic: topic.name, from: oldCount, to: topic.count }, 'partitions added');
    }
    return [...added.keys()];
  }

  return defineHandler({
    request: CreatePartitionsRequest,
    response: CreatePartitionsResponse,
    versions: { min: 0, max: 3 },
    async handle(req, ctx) {
      const counts = new Map<string, number>();
      for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      const alterable = ctx.authorizedNames(AclOperation.Alter, AclResourceType.Topic, req.topics.filter((t) => counts.get(t.name) === 1).map((t) => t.name));
      const [brokers, deleting] = await Promise.all([deps.zk.getAllBrokers(), deps.zk.getTopicDeletions()]);
      const placement = brokers.map((b) => ({ id: b.id, rack: b.rack })).sort((a, b) => a.id - b.id);
      const items: PendingCreation[] = [];
      for (const topic of req.topics) {
        if ((counts.get(topic.name) ?? 0) > 1) {
          items.push({ topic: topic.name, partitions: [], error: apiError(ErrorCode.InvalidRequest, 'Duplicate topic in request.') });
        } else if (!alterable.has(topic.name)) {
          items.push({ topic: topic.name, partitions: [], error: apiError(ErrorCode.TopicAuthorizationFailed, 'The topic authorization is failed.') });
        } else if (deleting.includes(topic.name)) {
          items.push({ topic: topic.name, partitions: [], error: apiError(ErrorCode.InvalidTopicException, 'The topic is queued for deletion.') });
        } else {
          try {
            items.push({ topic: topic.name, partitions: await addPartitionsOrThrow(topic, placement, req.validateOnly), error: API_ERROR_NONE });
          } catch (err) {
            items.push({ topic: topic.name, partitions: [], error: toApiError(err, deps.log, `adding partitions to ${topic.name}`) });
          }
        }
      }
      const final = await awaitCreations(deps, req, items);
      return {
        throttleTimeMs: 0,
        results: req.topics.map((t, i) => {
          const e = final[i] ?? API_ERROR_NONE;
          return { name: t.name, errorCode: e.code, errorMessage: e.message };
        }),
      };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      results: req.topics.map((t) => ({ name: t.name, errorCode: code, errorMessage: null })),
    }),
  });
}
