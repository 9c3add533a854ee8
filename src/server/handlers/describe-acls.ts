/**
 * DescribeAcls (key 29), versions 0–2 (KafkaApis.handleDescribeAcls):
 * - DESCRIBE on the cluster is required (CLUSTER_AUTHORIZATION_FAILED);
 * - without an authorizer: SECURITY_DISABLED "No Authorizer is configured on the broker";
 * - otherwise every cached binding matching the filter, grouped by resource pattern;
 * - a filter naming an UNKNOWN element closes the connection (Kafka refuses it while parsing).
 */
import { AclOperation } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeAclsRequest, DescribeAclsResponse } from '../../protocol/messages/describe-acls.js';
import { defineHandler } from '../handler.js';
import { NO_AUTHORIZER, toBindingFilter } from './acl-requests.js';

type Resource = { resourceType: number; resourceName: string; patternType: number; acls: Array<{ principal: string; host: string; operation: number; permissionType: number }> };

export const describeAcls = defineHandler({
  request: DescribeAclsRequest,
  response: DescribeAclsResponse,
  versions: { min: 0, max: 2 },
  handle(req, ctx) {
    const filter = toBindingFilter(req, 'DescribeAclsRequest');
    ctx.requireClusterOperation(AclOperation.Describe);
    if (!ctx.authorizer) return { throttleTimeMs: 0, errorCode: ErrorCode.SecurityDisabled, errorMessage: NO_AUTHORIZER, resources: [] };
    const byPattern = new Map<string, Resource>();
    for (const b of ctx.authorizer.acls(filter)) {
      const key = `${b.pattern.resourceType}\u0000${b.pattern.patternType}\u0000${b.pattern.name}`;
      let r = byPattern.get(key);
      if (!r) {
        r = { resourceType: b.pattern.resourceType, resourceName: b.pattern.name, patternType: b.pattern.patternType, acls: [] };
        byPattern.set(key, r);
      }
      r.acls.push({ ...b.entry });
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.None, errorMessage: null, resources: [...byPattern.values()] };
  },
  errorResponse: (_req, code) => ({ throttleTimeMs: 0, errorCode: code, errorMessage: null, resources: [] }),
});
