// The shape every API handler has: a thin function from a decoded request to a response body.
import type { RequestBodies, ResponseBodies } from '@tributary/kafka-protocol';
import type { BrokerState } from '../broker-state.ts';
import type { ConnectionInfo } from '../server/connection.ts';

export interface RequestContext {
  readonly apiVersion: number;
  readonly clientId: string | null;
  readonly connection: ConnectionInfo;
  readonly state: BrokerState;
  /**
   * Says that this request's state changes (appends, commits, group changes, topic creation) are done,
   * so the connection may start applying its next request while this one waits (for a flush, for data,
   * for a rebalance). A handler that never calls it holds the next request back until it returns.
   */
  readonly applied: () => void;
}

export type ApiKeyNumber = keyof RequestBodies & keyof ResponseBodies;

export interface ApiHandler<K extends ApiKeyNumber = ApiKeyNumber> {
  readonly apiKey: K;
  /**
   * True when the handler references nothing of its request (such as record bytes, which are views of
   * the request frame) once it has called `applied()`: the frame's memory then takes the next request.
   */
  readonly keepsNothingOnceApplied?: boolean;
  /** `null` means no response is sent (Produce with acks=0). */
  handle(
    request: RequestBodies[K],
    context: RequestContext,
  ): ResponseBodies[K] | null | Promise<ResponseBodies[K] | null>;
}

/** Keeps each handler's request and response types tied to its API key. */
export function defineHandler<K extends ApiKeyNumber>(handler: ApiHandler<K>): ApiHandler<K> {
  return handler;
}
