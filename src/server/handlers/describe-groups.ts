/**
 * DescribeGroups (key 15), versions 0–5 (kafkajs v2, librdkafka v0/v4, kafka-python v3).
 * Behavior (Kafka 2.7 handleDescribeGroup):
 * - an unknown group: ErrorCode 0, state "Dead", empty protocol fields, no members;
 * - a group this broker does not coordinate: NOT_COORDINATOR (or the loading/availability
 *   error) with state "";
 * - members carry their metadata and assignment only while the group is Stable (empty bytes
 *   otherwise); ProtocolData is the chosen protocol name, "" unless Stable;
 * - AuthorizedOperations (v3+): INT32_MIN unless asked for; asked for, there being no
 *   authorizer, every operation a group supports: READ, DELETE, DESCRIBE (bits 3, 6, 8 = 328).
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/describe-groups.js';
import { defineHandler, type Handler } from '../handler.js';

const NOT_REQUESTED = -2147483648;
/** AclOperation READ (3), DELETE (6), DESCRIBE (8) as Kafka's to32BitField */
export const GROUP_AUTHORIZED_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

export function createDescribeGroupsHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: DescribeGroupsRequest,
    response: DescribeGroupsResponse,
    versions: { min: 0, max: 5 },
    handle(req) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((groupId) => {
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
            authorizedOperations: req.includeAuthorizedOperations && errorCode === 0 ? GROUP_AUTHORIZED_OPERATIONS : NOT_REQUESTED,
          };
        }),
      };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      groups: req.groups.map((groupId) => ({ errorCode: code, groupId, groupState: '', protocolType: '', protocolData: '', members: [] })),
    }),
  });
}
