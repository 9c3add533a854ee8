/**
 * DescribeAcls (key 29), v0–v2; v2 is flexible (Kafka 2.7 DescribeAcls{Request,Response}.json).
 *
 * Sent by: kafkajs v1, librdkafka v1 (admin), kafka-python v1 (admin). kafka-python also *reads*
 * this API's advertised range: DescribeAcls v2 advertised ⇒ it guesses broker release 2.5.
 *
 * Traps:
 * - v0 has no PatternTypeFilter: it means LITERAL (3), and a v0 response cannot express
 *   PREFIXED bindings (Kafka leaves them out for v0 clients).
 * - Without an authorizer Kafka answers SECURITY_DISABLED (54) with an ErrorMessage.
 * - The enum values below are the wire values of Kafka's AclOperation/ResourceType/… (byte codes).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const AclResourceType = {
  Unknown: 0,
  Any: 1,
  Topic: 2,
  Group: 3,
  Cluster: 4,
  TransactionalId: 5,
  DelegationToken: 6,
} as const;
export type AclResourceType = (typeof AclResourceType)[keyof typeof AclResourceType];

export const AclPatternType = { Unknown: 0, Any: 1, Match: 2, Literal: 3, Prefixed: 4 } as const;
export type AclPatternType = (typeof AclPatternType)[keyof typeof AclPatternType];

export const AclOperation = {
  Unknown: 0,
  Any: 1,
  All: 2,
  Read: 3,
  Write: 4,
  Create: 5,
  Delete: 6,
  Alter: 7,
  Describe: 8,
  ClusterAction: 9,
  DescribeConfigs: 10,
  AlterConfigs: 11,
  IdempotentWrite: 12,
} as const;
export type AclOperation = (typeof AclOperation)[keyof typeof AclOperation];

export const AclPermissionType = { Unknown: 0, Any: 1, Deny: 2, Allow: 3 } as const;
export type AclPermissionType = (typeof AclPermissionType)[keyof typeof AclPermissionType];

export const DescribeAclsRequest = message(
  { apiKey: ApiKey.DescribeAcls, name: 'DescribeAclsRequest', versions: [0, 2], flexibleSince: 2 },
  {
    resourceTypeFilter: t.int8(),
    resourceNameFilter: t.string({ nullable: true }),
    patternTypeFilter: t.int8({ since: 1, default: AclPatternType.Literal }),
    principalFilter: t.string({ nullable: true }),
    hostFilter: t.string({ nullable: true }),
    operation: t.int8(),
    permissionType: t.int8(),
  },
);

export const DescribeAclsResponse = message(
  { apiKey: ApiKey.DescribeAcls, name: 'DescribeAclsResponse', versions: [0, 2], flexibleSince: 2 },
  {
    throttleTimeMs: t.int32(),
    errorCode: t.int16(),
    errorMessage: t.string({ nullable: true }),
    resources: t.structs({
      resourceType: t.int8(),
      resourceName: t.string(),
      patternType: t.int8({ since: 1, default: AclPatternType.Literal }),
      acls: t.structs({
        principal: t.string(),
        host: t.string(),
        operation: t.int8(),
        permissionType: t.int8(),
      }),
    }),
  },
);
