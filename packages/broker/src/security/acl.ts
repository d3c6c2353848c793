// Access control entries as Kafka defines them (KIP-11, prefixed patterns KIP-290): the wire codes of
// resource types, pattern types, operations and permissions, a binding (pattern + entry), and the filters
// DescribeAcls and DeleteAcls select bindings with.

/** org.apache.kafka.common.resource.ResourceType codes. */
export const ResourceType = {
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;

/** org.apache.kafka.common.resource.PatternType codes. */
export const PatternType = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;

/** org.apache.kafka.common.acl.AclOperation codes. */
export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;

/** org.apache.kafka.common.acl.AclPermissionType codes. */
export const AclPermission = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

export type ResourceTypeCode = (typeof ResourceType)[keyof typeof ResourceType];
export type OperationCode = (typeof AclOperation)[keyof typeof AclOperation];

/** The resource types the broker enforces ACLs on, with the operations that apply to each (Kafka's table). */
export const OPERATIONS_OF: Readonly<Record<number, readonly number[]>> = {
  [ResourceType.TOPIC]: [
    AclOperation.READ,
    AclOperation.WRITE,
    AclOperation.CREATE,
    AclOperation.DELETE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
  ],
  [ResourceType.GROUP]: [AclOperation.READ, AclOperation.DELETE, AclOperation.DESCRIBE],
  [ResourceType.CLUSTER]: [
    AclOperation.CREATE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE,
    AclOperation.CLUSTER_ACTION,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
    AclOperation.IDEMPOTENT_WRITE,
  ],
  [ResourceType.TRANSACTIONAL_ID]: [AclOperation.WRITE, AclOperation.DESCRIBE],
};

/** The one name of the cluster resource. */
export const CLUSTER_NAME = 'kafka-cluster';
/** A literal resource name or principal that matches every name. */
export const WILDCARD = '*';
export const WILDCARD_PRINCIPAL = 'User:*';

export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

export interface AclBindingFilter {
  resourceType: number;
  /** null: any name. */
  resourceName: string | null;
  patternType: number;
  /** null: any principal. */
  principal: string | null;
  /** null: any host. */
  host: string | null;
  operation: number;
  permissionType: number;
}

const nameOf = (table: Record<string, number>, code: number) =>
  Object.entries(table).find(([, c]) => c === code)?.[0] ?? `UNKNOWN(${code})`;

export const resourceTypeName = (code: number) => nameOf(ResourceType, code);
export const operationName = (code: number) => nameOf(AclOperation, code);
export const patternTypeName = (code: number) => nameOf(PatternType, code);
export const permissionName = (code: number) => nameOf(AclPermission, code);

/** Why a binding cannot be created (Kafka answers INVALID_REQUEST with this), or null when it can. */
export function bindingProblem(b: AclBinding): string | null {
  if (OPERATIONS_OF[b.resourceType] === undefined)
    return `resource type ${resourceTypeName(b.resourceType)} is not supported (TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID)`;
  if (b.patternType !== PatternType.LITERAL && b.patternType !== PatternType.PREFIXED)
    return `pattern type ${patternTypeName(b.patternType)} is not LITERAL or PREFIXED`;
  if (b.resourceName === '') return 'the resource name is empty';
  if (
    b.resourceType === ResourceType.CLUSTER &&
    (b.resourceName !== CLUSTER_NAME || b.patternType !== PatternType.LITERAL)
  )
    return `the cluster resource is the literal name ${CLUSTER_NAME}`;
  if (b.patternType === PatternType.PREFIXED && b.resourceName === WILDCARD)
    return 'a prefixed pattern cannot be the wildcard *';
  if (b.operation !== AclOperation.ALL && !OPERATIONS_OF[b.resourceType].includes(b.operation))
    return `operation ${operationName(b.operation)} does not apply to ${resourceTypeName(b.resourceType)}`;
  if (b.permissionType !== AclPermission.ALLOW && b.permissionType !== AclPermission.DENY)
    return `permission type ${permissionName(b.permissionType)} is not ALLOW or DENY`;
  const colon = b.principal.indexOf(':');
  if (colon <= 0 || colon === b.principal.length - 1)
    return `principal ${JSON.stringify(b.principal)} is not of the form User:<name>`;
  if (b.principal.slice(0, colon) !== 'User')
    return `principal type ${b.principal.slice(0, colon)} is not supported (only User)`;
  if (b.host === '') return 'the host is empty (use * for any host)';
  return null;
}

/** Why a filter is malformed (UNKNOWN codes, which Kafka refuses with INVALID_REQUEST), or null. */
export function filterProblem(f: AclBindingFilter): string | null {
  const known = (table: Record<string, number>, code: number) =>
    code !== 0 && Object.values(table).includes(code);
  if (!known(ResourceType, f.resourceType))
    return `resource type ${resourceTypeName(f.resourceType)} is not a filter`;
  if (!known(PatternType, f.patternType))
    return `pattern type ${patternTypeName(f.patternType)} is not a filter`;
  if (!known(AclOperation, f.operation)) return `operation ${operationName(f.operation)} is not a filter`;
  if (!known(AclPermission, f.permissionType))
    return `permission type ${permissionName(f.permissionType)} is not a filter`;
  return null;
}

/** Kafka's ResourcePatternFilter.matches: ANY and MATCH as in the Java client. */
function patternMatches(f: AclBindingFilter, b: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== b.resourceType) return false;
  if (
    f.patternType !== PatternType.ANY &&
    f.patternType !== PatternType.MATCH &&
    f.patternType !== b.patternType
  )
    return false;
  if (f.resourceName === null) return true;
  if (f.patternType !== PatternType.MATCH) return f.resourceName === b.resourceName;
  // MATCH: every binding that would apply to a resource of this name.
  if (b.patternType === PatternType.LITERAL)
    return f.resourceName === b.resourceName || b.resourceName === WILDCARD;
  return f.resourceName.startsWith(b.resourceName);
}

export function filterMatches(f: AclBindingFilter, b: AclBinding): boolean {
  return (
    patternMatches(f, b) &&
    (f.principal === null || f.principal === b.principal) &&
    (f.host === null || f.host === b.host) &&
    (f.operation === AclOperation.ANY || f.operation === b.operation) &&
    (f.permissionType === AclPermission.ANY || f.permissionType === b.permissionType)
  );
}

export function sameBinding(a: AclBinding, b: AclBinding): boolean {
  return (
    a.resourceType === b.resourceType &&
    a.resourceName === b.resourceName &&
    a.patternType === b.patternType &&
    a.principal === b.principal &&
    a.host === b.host &&
    a.operation === b.operation &&
    a.permissionType === b.permissionType
  );
}
