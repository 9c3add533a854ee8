/**
 * DeleteAcls (key 31), v0–v2; v2 is flexible (Kafka 2.7 DeleteAcls{Request,Response}.json).
 *
 * Sent by: kafkajs v1, librdkafka v1 (admin), kafka-python v1 (admin).
 *
 * Traps:
 * - Filters may be null in name/principal/host (= any); v0 has no PatternTypeFilter and means
 *   LITERAL (3).
 * - One FilterResult per filter in request order, each listing the bindings it removed with a
 *   per-binding error.
 * - Enum values: see describe-acls.ts.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';
import { AclPatternType } from './describe-acls.js';

export const DeleteAclsRequest = message(
  { apiKey: ApiKey.DeleteAcls, name: 'DeleteAclsRequest', versions: [0, 2], flexibleSince: 2 },
  {
    filters: t.structs({
      resourceTypeFilter: t.int8(),
      resourceNameFilter: t.string({ nullable: true }),
      patternTypeFilter: t.int8({ since: 1, default: AclPatternType.Literal }),
      principalFilter: t.string({ nullable: true }),
      hostFilter: t.string({ nullable: true }),
      operation: t.int8(),
      permissionType: t.int8(),
    }),
  },
);

export const DeleteAclsResponse = message(
  { apiKey: ApiKey.DeleteAcls, name: 'DeleteAclsResponse', versions: [0, 2], flexibleSince: 2 },
  {
    throttleTimeMs: t.int32(),
    filterResults: t.structs({
      errorCode: t.int16(),
      errorMessage: t.string({ nullable: true }),
      matchingAcls: t.structs({
        errorCode: t.int16(),
        errorMessage: t.string({ nullable: true }),
        resourceType: t.int8(),
        resourceName: t.string(),
        patternType: t.int8({ since: 1, default: AclPatternType.Literal }),
        principal: t.string(),
        host: t.string(),
        operation: t.int8(),
        permissionType: t.int8(),
      }),
    }),
  },
);
