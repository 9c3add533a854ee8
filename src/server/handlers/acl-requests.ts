/**
 * What the three ACL APIs share (Kafka's DescribeAclsRequest / DeleteAclsRequest / CreateAclsRequest
 * parsing): a request naming an UNKNOWN resource type, pattern type, operation or permission (a
 * code Kafka does not know) is refused while parsing, which closes the connection; filters become
 * AclBindingFilters.
 */
import { AclOperation, AclPatternType, AclPermissionType, AclResourceType, type AclBindingFilter } from '../../common/acl.js';
import { CloseConnection } from '../handler.js';

const known = (code: number, max: number): boolean => code > 0 && code <= max;

export function requireKnown(what: string, resourceType: number, patternType: number, operation: number, permissionType: number): void {
  if (
    !known(resourceType, AclResourceType.DelegationToken) ||
    !known(patternType, AclPatternType.Prefixed) ||
    !known(operation, AclOperation.IdempotentWrite) ||
    !known(permissionType, AclPermissionType.Allow)
  ) {
    throw new CloseConnection(`${what} contains UNKNOWN elements`);
  }
}

export interface WireAclFilter {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

export function toBindingFilter(f: WireAclFilter, what: string): AclBindingFilter {
  requireKnown(what, f.resourceTypeFilter, f.patternTypeFilter, f.operation, f.permissionType);
  return {
    pattern: { resourceType: f.resourceTypeFilter, name: f.resourceNameFilter, patternType: f.patternTypeFilter },
    entry: { principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permissionType: f.permissionType },
  };
}

export const NO_AUTHORIZER = 'No Authorizer is configured on the broker';
