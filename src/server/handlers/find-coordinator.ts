/**
 * FindCoordinator (key 10), versions 0–3 (kafkajs v2, librdkafka v2, kafka-python v0).
 * Behavior (Kafka 2.7 handleFindCoordinatorRequest):
 * - KeyType 0 (v0 always): the leader of `__consumer_offsets` partition
 *   abs(hash(group)) % offsets.topic.num.partitions, found by the CoordinatorLocator (the
 *   broker: metadata cache, creating the internal topic on first use);
 * - KeyType 1: the transaction coordinator, through its own locator; without one →
 *   COORDINATOR_NOT_AVAILABLE;
 * - any other KeyType → INVALID_REQUEST;
 * - on error NodeId −1, Host "", Port −1 and ErrorMessage = Kafka's message (v1+); on success
 *   ErrorMessage null.
 * - authorization: DESCRIBE on the group (GROUP_AUTHORIZATION_FAILED) or on the transactional id
 *   (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) first.
 */
import type { CoordinatorLocator } from '../../coordinator/coordinator-locator.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { CoordinatorType, FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/messages/find-coordinator.js';
import type { MessageInput } from '../../protocol/schema.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';

export interface FindCoordinatorServices {
  groups: CoordinatorLocator;
  transactions?: CoordinatorLocator;
}

/** Errors.java messages of the codes this API answers. */
const MESSAGES: Partial<Record<number, string>> = {
  [ErrorCode.CoordinatorNotAvailable]: 'The coordinator is not available.',
  [ErrorCode.NotCoordinator]: 'This is not the correct coordinator.',
  [ErrorCode.CoordinatorLoadInProgress]: "The coordinator is loading and hence can't process requests.",
  [ErrorCode.InvalidRequest]:
    'This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.',
  [ErrorCode.UnknownServerError]: 'The server experienced an unexpected error when processing the request.',
  [ErrorCode.GroupAuthorizationFailed]: 'Group authorization failed.',
  [ErrorCode.TransactionalIdAuthorizationFailed]: 'Transactional Id authorization failed.',
};

function failure(code: ErrorCode): MessageInput<typeof FindCoordinatorResponse> {
  return { throttleTimeMs: 0, errorCode: code, errorMessage: MESSAGES[code] ?? null, nodeId: -1, host: '', port: -1 };
}

export function createFindCoordinatorHandler(services: FindCoordinatorServices): Handler {
  return defineHandler({
    request: FindCoordinatorRequest,
    response: FindCoordinatorResponse,
    versions: { min: 0, max: 3 },
    async handle(req, ctx) {
      if (req.keyType === CoordinatorType.Group && !ctx.authorize(AclOperation.Describe, AclResourceType.Group, req.key)) {
        return failure(ErrorCode.GroupAuthorizationFailed);
      }
      if (req.keyType === CoordinatorType.Transaction && !ctx.authorize(AclOperation.Describe, AclResourceType.TransactionalId, req.key)) {
        return failure(ErrorCode.TransactionalIdAuthorizationFailed);
      }
      let locator: CoordinatorLocator | undefined;
      if (req.keyType === CoordinatorType.Group) locator = services.groups;
      else if (req.keyType === CoordinatorType.Transaction) locator = services.transactions;
      else return failure(ErrorCode.InvalidRequest);
      if (!locator) return failure(ErrorCode.CoordinatorNotAvailable);
      const found = await locator.findCoordinator(req.key, ctx.connection.listenerName);
      if (typeof found === 'number') return failure(found);
      return { throttleTimeMs: 0, errorCode: ErrorCode.None, errorMessage: null, nodeId: found.nodeId, host: found.host, port: found.port };
    },
    errorResponse: (_req, code) => failure(code),
  });
}
