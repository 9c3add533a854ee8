/**
 * CreateAcls (key 30), versions 0–2 (KafkaApis.handleCreateAcls, AclAuthorizer.createAcls):
 * - ALTER on the cluster is required (CLUSTER_AUTHORIZATION_FAILED on every result);
 * - without an authorizer: SECURITY_DISABLED on every result;
 * - per creation: INVALID_REQUEST for a CLUSTER resource not named `kafka-cluster`, an empty
 *   resource name or a name containing '/' (a later Kafka's check: 2.7 would fail creating the znode);
 *   a principal that is not `Type:name` fails every creation of its resource pattern with
 *   UNKNOWN_SERVER_ERROR (AclAuthorizer parses principals while updating the znode); the others are
 *   added to their resource znodes (results in request order);
 * - an ANY resource type, a MATCH/ANY pattern type or an ANY operation/permission fails the whole
 *   request with UNKNOWN_SERVER_ERROR (Kafka's ResourcePattern / AccessControlEntry constructors throw);
 * - a creation naming an UNKNOWN element closes the connection (Kafka refuses it while parsing).
 */
import { AclOperation, AclResourceType, CLUSTER_NAME, bindingProblem, type AclBinding } from '../../common/acl.js';
import { KafkaError } from '../../common/errors.js';
import type { MessageValue } from '../../protocol/schema.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { CreateAclsRequest, CreateAclsResponse } from '../../protocol/messages/create-acls.js';
import { defineHandler } from '../handler.js';
import { NO_AUTHORIZER, requireKnown } from './acl-requests.js';

type Result = { errorCode: number; errorMessage: string | null };
type Creation = MessageValue<typeof CreateAclsRequest>['creations'][number];

const toBinding = (c: Creation): AclBinding => ({
  pattern: { resourceType: c.resourceType, name: c.resourceName, patternType: c.resourcePatternType },
  entry: { principal: c.principal, host: c.host, operation: c.operation, permissionType: c.permissionType },
});

export const createAcls = defineHandler({
  request: CreateAclsRequest,
  response: CreateAclsResponse,
  versions: { min: 0, max: 2 },
  async handle(req, ctx) {
    for (const c of req.creations) requireKnown('CreateAclsRequest', c.resourceType, c.resourcePatternType, c.operation, c.permissionType);
    ctx.requireClusterOperation(AclOperation.Alter);
    const authorizer = ctx.authorizer;
    if (!authorizer) return { throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode: ErrorCode.SecurityDisabled, errorMessage: `${NO_AUTHORIZER}.` })) };
    // Kafka builds every AclBinding first: an ANY resource type, a MATCH/ANY pattern type, an ANY
    // operation or permission throws there, failing the whole request (UNKNOWN_SERVER_ERROR, no message)
    if (req.creations.some((c) => bindingProblem(toBinding(c)) !== null)) throw new KafkaError(ErrorCode.UnknownServerError);
    const results: Result[] = new Array(req.creations.length);
    const valid: Array<{ index: number; binding: AclBinding }> = [];
    req.creations.forEach((c, index) => {
      if (c.resourceType === AclResourceType.Cluster && c.resourceName !== CLUSTER_NAME) {
        results[index] = { errorCode: ErrorCode.InvalidRequest, errorMessage: `The only valid name for the CLUSTER resource is ${CLUSTER_NAME}` };
      } else if (c.resourceName === '') {
        results[index] = { errorCode: ErrorCode.InvalidRequest, errorMessage: 'Invalid empty resource name' };
      } else {
        valid.push({ index, binding: toBinding(c) });
      }
    });
    const created = await authorizer.createAcls(valid.map((v) => v.binding));
    valid.forEach((v, i) => (results[v.index] = created[i]!));
    return { throttleTimeMs: 0, results };
  },
  errorResponse: (req, code) => ({ throttleTimeMs: 0, results: req.creations.map(() => ({ errorCode: code, errorMessage: null })) }),
});
