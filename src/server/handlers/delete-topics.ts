/**
 * DeleteTopics (key 20), versions 0–5.
 * Behaviour (Kafka 2.7 KafkaApis.handleDeleteTopicsRequest + AdminManager.deleteTopics):
 * - `delete.topic.enable=false` → every topic TOPIC_DELETION_DISABLED (v3+) or INVALID_REQUEST
 *   (v0–v2, which do not know code 73);
 * - no DELETE on the topic → TOPIC_AUTHORIZATION_FAILED (checked before existence);
 * - a topic not in the metadata cache (or gone from ZooKeeper) → UNKNOWN_TOPIC_OR_PARTITION;
 * - otherwise `/admin/delete_topics/<t>` is created (already marked = success: the request just
 *   waits too); the controller does the rest (zk-and-controller.md §10.4);
 * - the answer waits (DelayedDeleteTopics) until the marked topics are gone from this broker's
 *   metadata cache (the controller's UpdateMetadata with leader -2), or timeoutMs →
 *   REQUEST_TIMED_OUT; timeoutMs ≤ 0 answers at once with REQUEST_TIMED_OUT for the marked ones;
 * - v5 `errorMessage` is null, as Kafka 2.7 sends it (its callback carries codes only).
 * - internal topics (__consumer_offsets, __transaction_state) are NOT refused: Kafka 2.7's broker
 *   deletes them on request (only kafka-topics.sh refuses, client side), and so do we.
 * Deviations from Kafka:
 * - any broker answers; Kafka 2.7 answers NOT_CONTROLLER on a broker that is not the controller.
 * - no controller mutation quota.
 */
import { KafkaError } from '../../common/errors.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/messages/delete-topics.js';
import type { BrokerDeps } from '../broker-deps.js';
import {
  API_ERROR_NONE,
  DelayedDeleteTopics,
  answerWithoutWaiting,
  awaitAdmin,
  toApiError,
  type ApiError,
} from '../delayed-admin.js';
import { defineHandler, type Handler } from '../handler.js';

export function createDeleteTopicsHandler(deps: BrokerDeps): Handler {
  async function markForDeletion(topic: string): Promise<ApiError> {
    try {
      if (!deps.metadataCache.hasTopic(topic)) {
        throw new KafkaError(ErrorCode.UnknownTopicOrPartition, `Topic ${topic} does not exist`);
      }
      await deps.zk.markTopicForDeletion(topic);
      deps.log.info({ topic }, 'topic marked for deletion');
      return API_ERROR_NONE;
    } catch (err) {
      return toApiError(err, deps.log, `marking topic ${topic} for deletion`);
    }
  }

  return defineHandler({
    request: DeleteTopicsRequest,
    response: DeleteTopicsResponse,
    versions: { min: 0, max: 5 },
    async handle(req, ctx) {
      const answer = (codes: readonly ErrorCode[]) => ({
        throttleTimeMs: 0,
        responses: req.topicNames.map((name, i) => ({ name, errorCode: codes[i] ?? ErrorCode.None, errorMessage: null })),
      });
      if (!deps.config.values['delete.topic.enable']) {
        const code = ctx.apiVersion < 3 ? ErrorCode.InvalidRequest : ErrorCode.TopicDeletionDisabled;
        return answer(req.topicNames.map(() => code));
      }
      const deletable = ctx.authorizedNames(AclOperation.Delete, AclResourceType.Topic, req.topicNames);
      const errors: ApiError[] = [];
      for (const topic of req.topicNames) {
        errors.push(deletable.has(topic) ? await markForDeletion(topic) : { code: ErrorCode.TopicAuthorizationFailed, message: null });
      }
      const final =
        req.timeoutMs <= 0 || errors.every((e) => e.code !== ErrorCode.None)
          ? answerWithoutWaiting(errors, false)
          : await awaitAdmin(deps.adminPurgatory, deps.metadataChangedKey, (respond) => {
              const items = req.topicNames.map((topic, i) => ({ topic, error: errors[i] ?? API_ERROR_NONE }));
              return new DelayedDeleteTopics(deps.clock.now() + req.timeoutMs, deps.metadataCache, items, respond);
            });
      return answer(final.map((e) => e.code));
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      responses: req.topicNames.map((name) => ({ name, errorCode: code, errorMessage: null })),
    }),
  });
}
