/**
 * Heartbeat (key 12), versions 0–4 (kafkajs v3, librdkafka v3, kafka-python v1).
 * Behavior (Kafka 2.7): Stable / CompletingRebalance → NONE; PreparingRebalance →
 * REBALANCE_IN_PROGRESS; Empty group or unknown member → UNKNOWN_MEMBER_ID; stale generation →
 * ILLEGAL_GENERATION; coordinator loading → NONE. Each accepted heartbeat restarts the member's
 * session timer.
 * Authorization: READ on the group, else GROUP_AUTHORIZATION_FAILED.
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { HeartbeatRequest, HeartbeatResponse } from '../../protocol/messages/heartbeat.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';

export function createHeartbeatHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: HeartbeatRequest,
    response: HeartbeatResponse,
    versions: { min: 0, max: 4 },
    handle: (req, ctx) => ({
      throttleTimeMs: 0,
      errorCode: !ctx.authorize(AclOperation.Read, AclResourceType.Group, req.groupId) ? ErrorCode.GroupAuthorizationFailed : coordinator.handleHeartbeat({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
      }),
    }),
    errorResponse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code }),
  });
}
