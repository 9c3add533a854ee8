/**
 * SyncGroup (key 14), versions 0–5 (kafkajs v3, librdkafka v3, kafka-python v1).
 * Behavior:
 * - followers wait until the leader's assignment arrives; everyone gets its own bytes (empty
 *   when the leader assigned it nothing);
 * - v5 must carry ProtocolType and ProtocolName (else INCONSISTENT_GROUP_PROTOCOL, as Kafka's
 *   areMandatoryProtocolTypeAndNamePresent); they must match the group's; the answer echoes
 *   them;
 * - a duplicated member id in the leader's Assignments: the last one wins.
 * Authorization: READ on the group, else GROUP_AUTHORIZATION_FAILED.
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { SyncGroupRequest, SyncGroupResponse } from '../../protocol/messages/sync-group.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { KafkaError } from '../../common/errors.js';

export function createSyncGroupHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: SyncGroupRequest,
    response: SyncGroupResponse,
    versions: { min: 0, max: 5 },
    async handle(req, ctx) {
      if (ctx.apiVersion >= 5 && (req.protocolType === null || req.protocolName === null)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.InconsistentGroupProtocol, assignment: Buffer.alloc(0) };
      }
      if (!ctx.authorize(AclOperation.Read, AclResourceType.Group, req.groupId)) throw new KafkaError(ErrorCode.GroupAuthorizationFailed);
      const result = await coordinator.handleSyncGroup({
        groupId: req.groupId,
        generationId: req.generationId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        protocolType: req.protocolType,
        protocolName: req.protocolName,
        assignments: new Map(req.assignments.map((a) => [a.memberId, a.assignment])),
      });
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        protocolType: result.protocolType,
        protocolName: result.protocolName,
        assignment: result.assignment,
      };
    },
    errorResponse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }),
  });
}
