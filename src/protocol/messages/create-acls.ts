/**
 * CreateAcls (key 30), v0–v2; v2 is flexible (Kafka 2.7 CreateAcls{Request,Response}.json).
 *
 * Sent by: kafkajs v1, librdkafka v1 (admin), kafka-python v1 (admin).
 *
 * Traps:
 * - v0 has no ResourcePatternType: it means LITERAL (3).
 * - One result per creation, in request order; without an authorizer each gets
 *   SECURITY_DISABLED (54).
 * - Enum values: see describe-acls.ts.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';
import { AclPatternType } from './describe-acls.js';

export const CreateAclsRequest = message(
  { apiKey: ApiKey.CreateAcls, name: 'CreateAclsRequest', versions: [0, 2], flexibleSince: 2 },
  {
    creations: t.structs({
      resourceType: t.int8(),
      resourceName: t.string(),
      resourcePatternType: t.int8({ since: 1, default: AclPatternType.Literal }),
      principal: t.string(),
      host: t.string(),
      operation: t.int8(),
      permissionType: t.int8(),
    }),
  },
);

export const CreateAclsResponse = message(
  { apiKey: ApiKey.CreateAcls, name: 'CreateAclsResponse', versions: [0, 2], flexibleSince: 2 },
  {
    throttleTimeMs: t.int32(),
    results: t.structs({
      errorCode: t.int16(),
      errorMessage: t.string({ nullable: true }),
    }),
  },
);
