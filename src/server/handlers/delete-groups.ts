/**
 * DeleteGroups (key 42), versions 0–2 (kafkajs v1, librdkafka v1, kafka-python v1).
 * Behavior (Kafka 2.7 handleDeleteGroups), per group: an Empty group is deleted with all its
 * committed offsets (removed from ZooKeeper) → NONE; a group with members → NON_EMPTY_GROUP;
 * unknown → GROUP_ID_NOT_FOUND; not coordinated here → NOT_COORDINATOR (or loading /
 * availability errors). A group named twice is answered once.
 * Authorization: DELETE on each group, else GROUP_AUTHORIZATION_FAILED for it.
 */
import type { GroupCoordinator } from '../../coordinator/group-coordinator.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages/delete-groups.js';
import { defineHandler, type Handler } from '../handler.js';
import { AclOperation, AclResourceType } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';

export function createDeleteGroupsHandler(coordinator: GroupCoordinator): Handler {
  return defineHandler({
    request: DeleteGroupsRequest,
    response: DeleteGroupsResponse,
    versions: { min: 0, max: 2 },
    async handle(req, ctx) {
      const deletable = ctx.authorizedNames(AclOperation.Delete, AclResourceType.Group, req.groupsNames);
      const denied = [...new Set(req.groupsNames.filter((g) => !deletable.has(g)))].map((groupId) => ({ groupId, errorCode: ErrorCode.GroupAuthorizationFailed }));
      const results = deletable.size > 0 ? await coordinator.handleDeleteGroups(req.groupsNames.filter((g) => deletable.has(g))) : [];
      return { throttleTimeMs: 0, results: [...results, ...denied] };
    },
    errorResponse: (req, code) => ({
      throttleTimeMs: 0,
      results: [...new Set(req.groupsNames)].map((groupId) => ({ groupId, errorCode: code })),
    }),
  });
}
