/**
 * DeleteAcls (key 31), versions 0–2 (KafkaApis.handleDeleteAcls, AclAuthorizer.deleteAcls):
 * - ALTER on the cluster is required (CLUSTER_AUTHORIZATION_FAILED on every filter);
 * - without an authorizer: SECURITY_DISABLED on every filter;
 * - one result per filter, in request order, listing the bindings it removed (a binding matched by
 *   several filters is reported under the first);
 * - a filter naming an UNKNOWN element closes the connection (Kafka refuses it while parsing).
 */
import { AclOperation } from '../../common/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DeleteAclsRequest, DeleteAclsResponse } from '../../protocol/messages/delete-acls.js';
import { defineHandler } from '../handler.js';
import { NO_AUTHORIZER, toBindingFilter } from './acl-requests.js';

export const deleteAcls = defineHandler({
  request: DeleteAclsRequest,
  response: DeleteAclsResponse,
  versions: { min: 0, max: 2 },
  async handle(req, ctx) {
    const filters = req.filters.map((f) => toBindingFilter(f, 'DeleteAclsRequest'));
    ctx.requireClusterOperation(AclOperation.Alter);
    const authorizer = ctx.authorizer;
    if (!authorizer) {
      return { throttleTimeMs: 0, filterResults: filters.map(() => ({ errorCode: ErrorCode.SecurityDisabled, errorMessage: `${NO_AUTHORIZER}.`, matchingAcls: [] })) };
    }
    const results = await authorizer.deleteAcls(filters);
    return {
      throttleTimeMs: 0,
      filterResults: results.map((r) => ({
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        matchingAcls: r.deleted.map((d) => ({
          errorCode: d.errorCode,
          errorMessage: d.errorMessage,
          resourceType: d.binding.pattern.resourceType,
          resourceName: d.binding.pattern.name,
          patternType: d.binding.pattern.patternType,
          ...d.binding.entry,
        })),
      })),
    };
  },
  errorResponse: (req, code) => ({ throttleTimeMs: 0, filterResults: req.filters.map(() => ({ errorCode: code, errorMessage: null, matchingAcls: [] })) }),
});
