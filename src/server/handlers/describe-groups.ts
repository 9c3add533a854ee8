/**
 * DescribeGroups (key 15), versions 0–5 (kafkajs v2, librdkafka v0/v4, kafka-python v3).
 * Behavior (Kafka 2.7 handleDescribeGroup):
 * - an unknown group: ErrorCode 0, state "Dead", empty protocol fields, no members;
 * - a group this broker does not coordinate: NOT_COORDINATOR (or the loading/availability
 *   error) with state "";
 * - members carry their metadata and assignment only while the group is Stable (empty bytes
 *   otherwise); ProtocolData is the chosen protocol name, "" unless Stable;
 * - AuthorizedOperations (v3+): INT32_MIN unless asked for (and for a group in error); asked for,
 *   the group operations (READ, DELETE, DESCRIBE) the principal holds — all of them (bits 3, 6, 8
 *   = 328) without an authorizer;
 * - authorization: DESCRIBE on the group, else GROUP_AUTHORIZATION_FAILED for that group.
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/describe-groups.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';

const NOT_REQUESTED = -2147483648;

/** DescribeGroupsResponse.forError */
function failedGroup(groupId: string, errorCode: number) {
  return { errorCode, groupId, groupState: '', protocolType: '', protocolData: '', members: [], authorizedOperations: NOT_REQUESTED };
}

export function createDescribeGroupsHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: DescribeGroupsRequest,
    response: DescribeGroupsResponse,
    versions: { min: 0, max: 5 },
    handle(req, ctx) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((groupId) => {
          if (!ctx.authorize(AclOperation.Describe, AclResourceType.Group, groupId)) return failedGroup(groupId, ErrorCode.GroupAuthorizationFailed);
          const { errorCode, summary } = coordinator.handleDescribeGroup(groupId);
          return {
            errorCode,
            groupId,
            groupState: summary.state,
            protocolType: summary.protocolType,
            protocolData: summary.protocol,
            members: summary.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              clientHost: m.clientHost,
              memberMetadata: m.metadata,
              memberAssignment: m.assignment,
            })),
            authorizedOperations:
              req.includeAuthorizedOperations && errorCode === 0 ? ctx.authorizedOperations(AclResourceType.Group, groupId) : NOT_REQUESTED,
          };
        }),
      };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => failedGroup(groupId, code)),
    }),
  });
}
