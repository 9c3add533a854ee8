/**
 * ListGroups (key 16), versions 0–4 (kafkajs v2, librdkafka v0/v4, kafka-python v2).
 * Behavior: the groups this broker coordinates (clients ask every broker and merge), including
 * groups known only by their committed offsets (state Empty); StatesFilter (v4, KIP-518) keeps
 * the groups whose state string is listed, empty = all; GroupState is returned from v4;
 * COORDINATOR_LOAD_IN_PROGRESS (with the groups known so far) while a partition loads.
 * Authorization: every group with DESCRIBE on the cluster, otherwise only the groups the principal
 * may DESCRIBE.
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { ListGroupsRequest, ListGroupsResponse } from '../../protocol/messages/list-groups.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';

export function createListGroupsHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: ListGroupsRequest,
    response: ListGroupsResponse,
    versions: { min: 0, max: 4 },
    handle(req, ctx) {
      const { errorCode, groups } = coordinator.handleListGroups(req.statesFilter);
      // DESCRIBE on the cluster shows every group (Kafka keeps it for compatibility), else those the principal may describe.
      const visible = ctx.authorize(AclOperation.Describe, AclResourceType.Cluster, CLUSTER_NAME)
        ? groups
        : groups.filter((g) => ctx.authorize(AclOperation.Describe, AclResourceType.Group, g.groupId));
      return {
        throttleTimeMs: 0,
        errorCode,
        groups: visible.map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state })),
      };
    },
    errorResponse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code, groups: [] }),
  });
}
