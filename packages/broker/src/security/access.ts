// What a handler asks before acting for a client: may this connection's principal do the operation on the
// resource? Always yes when the broker runs without an authorizer (authorizer none).
import type { BrokerState } from '../broker-state.ts';
import type { ConnectionInfo } from '../server/connection.ts';
import { AclOperation, CLUSTER_NAME, OPERATIONS_OF, ResourceType } from './acl.ts';
import { ANONYMOUS, type RequestIdentity } from './authorizer.ts';

export { AclOperation, CLUSTER_NAME, ResourceType };

/** What a handler's context gives: the shared state and the connection of the request. */
export interface AccessContext {
  readonly state: BrokerState;
  readonly connection: ConnectionInfo;
}

export function identityOf({ state, connection }: AccessContext): RequestIdentity {
  // As Kafka: the SASL user on a SASL listener, else the TLS client certificate's subject, else ANONYMOUS.
  const principal = state.sasl?.principal(connection) ?? connection.certificatePrincipal ?? ANONYMOUS;
  return { principal, host: connection.remoteHost };
}

/** The decision; a refusal gets a log line. */
export function may(context: AccessContext, operation: number, resourceType: number, name: string): boolean {
  const authorizer = context.state.authorizer;
  return authorizer === undefined || authorizer.check(identityOf(context), operation, resourceType, name);
}

/** The decision without a log line, for listings that leave out what the principal may not see. */
export function maySee(
  context: AccessContext,
  operation: number,
  resourceType: number,
  name: string,
): boolean {
  const authorizer = context.state.authorizer;
  return authorizer === undefined || authorizer.allows(identityOf(context), operation, resourceType, name);
}

export function mayOnCluster(context: AccessContext, operation: number): boolean {
  return may(context, operation, ResourceType.CLUSTER, CLUSTER_NAME);
}

/** Creating a topic needs CREATE on the cluster or on the topic (Kafka checks the cluster first, quietly). */
export function mayCreateTopic(context: AccessContext, topic: string): boolean {
  return (
    maySee(context, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME) ||
    may(context, AclOperation.CREATE, ResourceType.TOPIC, topic)
  );
}

/** KIP-430 authorized operations of a resource: every operation of its type without an authorizer. */
export function authorizedOperations(context: AccessContext, resourceType: number, name: string): number {
  const authorizer = context.state.authorizer;
  if (authorizer !== undefined)
    return authorizer.authorizedOperations(identityOf(context), resourceType, name);
  return authorizedOperationsOfAll(resourceType);
}

function authorizedOperationsOfAll(resourceType: number): number {
  let bits = 0;
  for (const op of OPERATIONS_OF[resourceType] ?? []) bits |= 1 << op;
  return bits;
}

/** Whether a request may create a missing topic as a side effect: the broker's autoCreateTopics and CREATE. */
export function mayAutoCreate(context: AccessContext, topic: string): boolean {
  return context.state.config.autoCreateTopics && mayCreateTopic(context, topic);
}

/** InitProducerId without a transactional id: IDEMPOTENT_WRITE on the cluster or WRITE on any topic (KIP-679). */
export function mayWriteIdempotently(context: AccessContext): boolean {
  const authorizer = context.state.authorizer;
  if (authorizer === undefined) return true;
  const who = identityOf(context);
  return (
    authorizer.allows(who, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME) ||
    authorizer.allowsSome(who, AclOperation.WRITE, ResourceType.TOPIC) ||
    // Logs the refusal, naming what Kafka names.
    may(context, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME)
  );
}
