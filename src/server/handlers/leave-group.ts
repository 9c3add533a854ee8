/**
 * LeaveGroup (key 13), versions 0–4 (kafkajs v3, librdkafka v1, kafka-python v1).
 * Behavior:
 * - v0–v2 name one member; its error (UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID) becomes the
 *   top-level ErrorCode unless there is a group-level error (Kafka's LeaveGroupResponse);
 * - v3+ (KIP-345) take a batch; group-level errors go top-level with no members, member
 *   errors go per member; a static member may be named by its GroupInstanceId alone.
 * Authorization: READ on the group, else GROUP_AUTHORIZATION_FAILED.
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/messages/leave-group.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { KafkaError } from '../../common/errors.js';

export function createLeaveGroupHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: LeaveGroupRequest,
    response: LeaveGroupResponse,
    versions: { min: 0, max: 4 },
    handle(req, ctx) {
      if (!ctx.authorize(AclOperation.Read, AclResourceType.Group, req.groupId)) throw new KafkaError(ErrorCode.GroupAuthorizationFailed);
      const batch = ctx.apiVersion >= 3;
      const leaving = batch ? req.members : [{ memberId: req.memberId, groupInstanceId: null }];
      const result = coordinator.handleLeaveGroup(req.groupId, leaving);
      if (!batch) {
        const memberError = result.members.find((m) => m.errorCode !== ErrorCode.None)?.errorCode ?? ErrorCode.None;
        return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.None ? result.errorCode : memberError, members: [] };
      }
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode })),
      };
    },
    errorResponse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code, members: [] }),
  });
}
