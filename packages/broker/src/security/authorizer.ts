// The ACL authorizer (Kafka's StandardAuthorizer semantics, KIP-11 and KIP-290): a request's principal may
// do an operation on a resource when a super user, or when an ALLOW binding covers it and no DENY binding
// does (DENY wins). Bindings cover a resource by literal name, the literal wildcard `*`, or a prefix; a
// principal by name or `User:*`; a host by address or `*`. Some operations imply others, as in Kafka:
// READ, WRITE, DELETE and ALTER imply DESCRIBE, and ALTER_CONFIGS implies DESCRIBE_CONFIGS. A resource no
// binding covers at all is refused unless allowEveryoneIfNoAclFound.
import type { Logger } from 'pino';
import {
  type AclBinding,
  AclOperation,
  AclPermission,
  OPERATIONS_OF,
  operationName,
  ResourceType,
  resourceTypeName,
  WILDCARD,
  WILDCARD_PRINCIPAL,
} from './acl.ts';
import type { AclStore } from './acl-store.ts';

/** Who sends a request: the SASL principal, or User:ANONYMOUS on a listener without SASL (as Kafka). */
export interface RequestIdentity {
  principal: string;
  host: string;
}

export const ANONYMOUS = 'User:ANONYMOUS';

// Identical refusals (same principal, operation and resource) are logged once in this interval with the
// number left out, so a client retrying in a loop does not flood the log.
const REPEAT_LOG_INTERVAL_MS = 10_000;

export interface AuthorizerOptions {
  acls: AclStore;
  superUsers: readonly string[];
  allowEveryoneIfNoAclFound: boolean;
  logger: Logger;
  now?: () => number;
}

/** The operations whose ALLOW also allows `operation`. */
function allowingOperations(operation: number): number[] {
  if (operation === AclOperation.DESCRIBE)
    return [
      AclOperation.DESCRIBE,
      AclOperation.READ,
      AclOperation.WRITE,
      AclOperation.DELETE,
      AclOperation.ALTER,
      AclOperation.ALL,
    ];
  if (operation === AclOperation.DESCRIBE_CONFIGS)
    return [AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS, AclOperation.ALL];
  return [operation, AclOperation.ALL];
}

export class Authorizer {
  readonly #acls: AclStore;
  readonly #superUsers: ReadonlySet<string>;
  readonly #allowIfNoAcl: boolean;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #lastLogged = new Map<string, { at: number; suppressed: number }>();

  constructor(options: AuthorizerOptions) {
    this.#acls = options.acls;
    this.#superUsers = new Set(options.superUsers);
    this.#allowIfNoAcl = options.allowEveryoneIfNoAclFound;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => performance.now());
  }

  get acls(): AclStore {
    return this.#acls;
  }

  /** The decision alone, without a log line. */
  allows(who: RequestIdentity, operation: number, resourceType: number, name: string): boolean {
    if (this.#superUsers.has(who.principal)) return true;
    const covering = this.#acls.covering(resourceType, name);
    if (covering.length === 0) return this.#allowIfNoAcl;
    const applies = (b: AclBinding) =>
      (b.principal === who.principal || b.principal === WILDCARD_PRINCIPAL) &&
      (b.host === who.host || b.host === WILDCARD);
    const mine = covering.filter(applies);
    const denied = mine.some(
      (b) =>
        b.permissionType === AclPermission.DENY &&
        (b.operation === operation || b.operation === AclOperation.ALL),
    );
    if (denied) return false;
    const allowing = allowingOperations(operation);
    return mine.some((b) => b.permissionType === AclPermission.ALLOW && allowing.includes(b.operation));
  }

  /** The decision; a refusal is logged (principal, host, operation, resource; nothing secret). */
  check(who: RequestIdentity, operation: number, resourceType: number, name: string): boolean {
    if (this.allows(who, operation, resourceType, name)) return true;
    this.#logRefusal(who, operation, resourceType, name);
    return false;
  }

  /**
   * Kafka's authorizeByResourceType: whether some resource of the type allows the operation (InitProducerId
   * of an idempotent producer needs WRITE on any topic). Checked against each name a binding names.
   */
  allowsSome(who: RequestIdentity, operation: number, resourceType: number): boolean {
    if (this.#superUsers.has(who.principal)) return true;
    const ofType = this.#acls.ofType(resourceType);
    if (ofType.length === 0) return this.#allowIfNoAcl;
    return ofType.some(
      (b) =>
        b.permissionType === AclPermission.ALLOW && this.allows(who, operation, resourceType, b.resourceName),
    );
  }

  /** KIP-430's bit field of the operations the principal may do on a resource. */
  authorizedOperations(who: RequestIdentity, resourceType: number, name: string): number {
    let bits = 0;
    for (const op of OPERATIONS_OF[resourceType] ?? [])
      if (this.allows(who, op, resourceType, name)) bits |= 1 << op;
    return bits;
  }

  #logRefusal(who: RequestIdentity, operation: number, resourceType: number, name: string): void {
    const resource = `${resourceTypeName(resourceType)}:${name}`;
    const key = `${who.principal}\u0000${operation}\u0000${resource}`;
    const now = this.#now();
    const last = this.#lastLogged.get(key);
    if (last !== undefined && now - last.at < REPEAT_LOG_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    if (this.#lastLogged.size >= 10_000) this.#lastLogged.clear();
    this.#lastLogged.set(key, { at: now, suppressed: 0 });
    this.#logger.warn(
      {
        principal: who.principal,
        host: who.host,
        operation: operationName(operation),
        resource,
        ...(last !== undefined && last.suppressed > 0 ? { repeated: last.suppressed } : {}),
      },
      'authorization refused',
    );
  }
}

export { AclOperation, ResourceType };
