/**
 * CreateAcls (key 30), versions 0–2 (KafkaApis.handleCreateAcls, AclAuthorizer.createAcls):
 * - ALTER on the cluster is required (CLUSTER_AUTHORIZATION_FAILED on every result);
 * - without an authorizer: SECURITY_DISABLED on every result;
 * - per creation: INVALID_REQUEST for a CLUSTER resource not named `kafka-cluster`, an empty
 *   resource name, a name containing '/', an ANY/MATCH value or a principal that is not `Type:name`;
 *   the others are added to their resource znodes (results in request order);
 * - a creation naming an UNKNOWN element closes the connection (Kafka refuses it while parsing).
 */
import { AclOperation, AclResourceType, CLUSTER_NAME, type AclBinding } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { CreateAclsRequest, CreateAclsResponse } from '../../protocol/messages/create-acls.js';
import { defineHandler } from '../handler.js';
import { NO_AUTHORIZER, requireKnown } from './acl-requests.js';

type Result = { errorCode: number; errorMessage: string | null };

export const createAcls = defineHandler({
  request: CreateAclsRequest,
  response: CreateAclsResponse,
  versions: { min: 0, max: 2 },
  async handle(req, ctx) {
    for (const c of req.creations) requireKnown('CreateAclsRequest', c.resourceType, c.resourcePatternType, c.operation, c.permissionType);
    ctx.requireClusterOperation(AclOperation.Alter);
    const authorizer = ctx.authorizer;
    if (!authorizer) return { throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode: ErrorCode.SecurityDisabled, errorMessage: `${NO_AUTHORIZER}.` })) };
    const results: Result[] = new Array(req.creations.length);
    const valid: Array<{ index: number; binding: AclBinding }> = [];
    req.creations.forEach((c, index) => {
      if (c.resourceType === AclResourceType.Cluster && c.resourceName !== CLUSTER_NAME) {
        results[index] = { errorCode: ErrorCode.InvalidRequest, errorMessage: `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}` };
      } else if (c.resourceName === '') {
        results[index] = { errorCode: ErrorCode.InvalidRequest, errorMessage: 'Invalid empty resource name' };
      } else {
        valid.push({
          index,
          binding: {
            pattern: { resourceType: c.resourceType, name: c.resourceName, patternType: c.resourcePatternType },
            entry: { principal: c.principal, host: c.host, operation: c.operation, permissionType: c.permissionType },
          },
        });
      }
    });
    const created = await authorizer.createAcls(valid.map((v) => v.binding));
    valid.forEach((v, i) => (results[v.index] = created[i]!));
    return { throttleTimeMs: 0, results };
  },
  errorResponse: (req, code) => ({ throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode: code, errorMessage: null })) }),
});
