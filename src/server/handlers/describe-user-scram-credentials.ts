/**
 * DescribeUserScramCredentials (key 50), version 0 (KafkaApis 2.7): DESCRIBE on the cluster
 * (else CLUSTER_AUTHORIZATION_FAILED at the top level); the users' SCRAM mechanisms and iteration
 * counts from `/config/users` (src/security/scram-admin.ts), never the credentials themselves.
 */
import { AclOperation, AclResourceType, CLUSTER_NAME } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse,
} from '../../protocol/messages/describe-user-scram-credentials.js';
import { describeUserScramCredentials } from '../../security/scram-admin.js';
import type { BrokerDeps } from '../broker-deps.js';
import { defineHandler, type Handler } from '../handler.js';

export function createDescribeUserScramCredentialsHandler(deps: BrokerDeps): Handler {
  return defineHandler({
    request: DescribeUserScramCredentialsRequest,
    response: DescribeUserScramCredentialsResponse,
    versions: { min: 0, max: 0 },
    async handle(req, ctx) {
      if (!ctx.authorize(AclOperation.Describe, AclResourceType.Cluster, CLUSTER_NAME)) {
        return { throttleTimeMs: 0, errorCode: ErrorCode.ClusterAuthorizationFailed, errorMessage: null, results: [] };
      }
      const results = await describeUserScramCredentials(deps.zk, req.users === null ? null : req.users.map((u) => u.name));
      return { throttleTimeMs: 0, errorCode: ErrorCode.None, errorMessage: null, results: results.map((r) => ({ ...r, credentialInfos: [...r.credentialInfos] })) };
    },
    errorResponse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code, errorMessage: null, results: [] }),
  });
}
