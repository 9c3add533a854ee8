/**
 * JoinGroup (key 11), versions 0–7 (kafkajs v5, librdkafka v5, kafka-python v2).
 * Behavior:
 * - the coordinator holds the answer until the rebalance completes (GroupCoordinator);
 * - v0 has no RebalanceTimeoutMs: the session timeout is used, as Kafka does;
 * - v4+ without GroupInstanceId must first obtain a member id (MEMBER_ID_REQUIRED);
 * - ProtocolName is "" when there is none up to v6 and null from v7; ProtocolType (v7) is
 *   the group's;
 * - the member's client host is the peer address in Java's form ("/127.0.0.1").
 * Errors: per request (errorResponse = Kafka's getErrorResponse: generation −1, empty ids).
 * Authorization: READ on the group, else GROUP_AUTHORIZATION_FAILED.
 */
import { clientHostOf } from '../../coordinator/client-host.js';
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { JoinGroupRequest, JoinGroupResponse } from '../../protocol/messages/join-group.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { KafkaError } from '../../common/errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';

export function createJoinGroupHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: JoinGroupRequest,
    response: JoinGroupResponse,
    versions: { min: 0, max: 7 },
    async handle(req, ctx) {
      const v = ctx.apiVersion;
      if (!ctx.authorize(AclOperation.Read, AclResourceType.Group, req.groupId)) throw new KafkaError(ErrorCode.GroupAuthorizationFailed);
      const result = await coordinator.handleJoinGroup({
        groupId: req.groupId,
        memberId: req.memberId,
        groupInstanceId: req.groupInstanceId,
        requireKnownMemberId: v >= 4 && req.groupInstanceId === null,
        clientId: ctx.clientId ?? '',
        clientHost: clientHostOf(ctx.connection.clientAddress),
        rebalanceTimeoutMs: v === 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
        sessionTimeoutMs: req.sessionTimeoutMs,
        protocolType: req.protocolType,
        protocols: req.protocols,
      });
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        generationId: result.generationId,
        protocolType: result.protocolType,
        protocolName: v >= 7 ? result.protocolName : (result.protocolName ?? ''),
        leader: result.leaderId,
        memberId: result.memberId,
        members: result.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata })),
      };
    },
    errorResponse: (_req, code, ctx) => ({
      throttleTimeMs: 0,
      errorCode: code,
      generationId: -1,
      protocolType: null,
      protocolName: ctx.apiVersion >= 7 ? null : '',
      leader: '',
      memberId: '',
      members: [],
    }),
  });
}
