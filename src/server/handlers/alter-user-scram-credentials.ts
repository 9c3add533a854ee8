/**
 * AlterUserScramCredentials (key 51), version 0 (KafkaApis 2.7): only the active controller serves
 * it (NOT_CONTROLLER for every user elsewhere), ALTER on the cluster is required
 * (CLUSTER_AUTHORIZATION_FAILED), then src/security/scram-admin.ts validates and writes
 * `/config/users/<user>` with a change notification, as kafka-configs.sh does.
 */
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';
import type { KafkaController } from '../../controller/controller.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsResponse,
} from '../../protocol/messages/alter-user-scram-credentials.js';
import { alterUserScramCredentials } from '../../security/scram-admin.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';

type Req = { upsertions: ReadonlyArray<{ name: string }>; deletions: ReadonlyArray<{ name: string }> };

/** Kafka's getErrorResponse: the error for every user named in the request, once each. */
function everyUser(req: Req, errorCode: number) {
  const users = [...new Set([...req.upsertions, ...req.deletions].map((x) => x.name))];
  return { throttleTimeMs: 0, results: users.map((user) => ({ user, errorCode, errorMessage: null })) };
}

export function createAlterUserScramCredentialsHandler(deps: BrokerDeps, controller: Pick<KafkaController, 'isActive'>): Handler {
  return defineHandler({
    request: AlterUserScramCredentialsRequest,
    response: AlterUserScramCredentialsResponse,
    versions: { min: 0, max: 0 },
    async handle(req, ctx) {
      if (!controller.isActive) return everyUser(req, ErrorCode.NotController);
      if (!ctx.authorize(AclOperation.Alter, AclResourceType.Cluster, CLUSTER_NAME)) return everyUser(req, ErrorCode.ClusterAuthorizationFailed);
      const results = await alterUserScramCredentials(deps.zk, req.upsertions, req.deletions);
      return { throttleTimeMs: 0, results: results.map((r) => ({ ...r })) };
    },
    errorResponse: (req, code) => everyUser(req, code),
  });
}
