// Turns a request frame into a response frame: header decode, handler lookup, body decode, encode.
import {
  apiDefinitions,
  decodeRequestBody,
  decodeRequestHeader,
  encodeResponse,
  encodeResponseChunks,
  type RequestBodies,
  type RequestHeader,
  type ResponseBodies,
} from '@tributary/kafka-protocol';
import type { BrokerState } from '../broker-state.ts';
import { ErrorCode } from '../error-codes.ts';
import type { ApiHandler, ApiKeyNumber } from '../handlers/handler.ts';
import type { HandlerLoader } from '../handlers/registry.ts';
import { BadRequestError } from './client-error.ts';
import type { ConnectionInfo, FrameHandler, ResponseFrame } from './connection.ts';

const API_VERSIONS_KEY = 18;

/**
 * What the broker's metrics learn of each request (see metrics/); called only when metrics are on. Arguments
 * are numbers and the response body already built: nothing is made for the observer's sake.
 */
export interface RequestObserver {
  /** A request answered (or, for Produce with acks=0, applied): `body` is null when nothing is sent. */
  answered(
    apiKey: number,
    version: number,
    seconds: number,
    requestBytes: number,
    responseBytes: number,
    body: unknown,
  ): void;
  /** A request refused by closing the connection: unknown API, unsupported version, malformed, no SASL. */
  refused(apiKey: number, code: string): void;
}

/** An API the broker serves: its name and the versions its protocol schema defines. */
export interface ApiInfo {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
}

interface ApiSlot extends ApiInfo {
  readonly load: HandlerLoader;
  handler?: ApiHandler;
  loading?: Promise<ApiHandler>;
}

export class Dispatcher implements FrameHandler {
  readonly #apis = new Map<number, ApiSlot>();
  readonly #state: BrokerState;
  /** Set when the broker serves metrics. */
  observer: RequestObserver | undefined;

  constructor(handlers: ReadonlyMap<ApiKeyNumber, HandlerLoader>, state: BrokerState) {
    for (const [apiKey, load] of handlers) {
      const definition = apiDefinitions.get(apiKey);
      if (definition === undefined) throw new Error(`API key ${apiKey} has a handler but no protocol schema`);
      const { name, minVersion, maxVersion } = definition;
      this.#apis.set(apiKey, { apiKey, name, minVersion, maxVersion, load });
    }
    this.#state = state;
  }

  /** Every API served, by API key. */
  servedApis(): ApiInfo[] {
    return [...this.#apis.values()]
      .map(({ apiKey, name, minVersion, maxVersion }) => ({ apiKey, name, minVersion, maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  /** The ApiVersions table: derived from the registered handlers, never written by hand. */
  supportedApis(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return this.servedApis().map(({ apiKey, minVersion, maxVersion }) => ({
      apiKey,
      minVersion,
      maxVersion,
    }));
  }

  handle(
    frame: Buffer,
    connection: ConnectionInfo,
    applied: (frameDone?: boolean) => void,
  ): ResponseFrame | null | Promise<ResponseFrame | null> {
    const observer = this.observer;
    if (observer === undefined) return this.#handle(frame, connection, applied, undefined, 0);
    const started = performance.now();
    // The API key is the frame's bytes 0-1 when it has them (the header may be what is malformed). Read
    // now: once applied, the frame's memory may hold the next request.
    const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1;
    let result: ResponseFrame | null | Promise<ResponseFrame | null>;
    try {
      result = this.#handle(frame, connection, applied, observer, started);
    } catch (err) {
      observer.refused(apiKey, refusalCode(err));
      throw err;
    }
    if (!(result instanceof Promise)) return result;
    // A handler that fails after waiting (a bug, or a storage error it did not turn into a code) costs
    // its connection; it is counted like a refusal.
    return result.catch((err: unknown) => {
      observer.refused(apiKey, refusalCode(err));
      throw err;
    });
  }

  #handle(
    frame: Buffer,
    connection: ConnectionInfo,
    applied: (frameDone?: boolean) => void,
    observer: RequestObserver | undefined,
    started: number,
  ): ResponseFrame | null | Promise<ResponseFrame | null> {
    const { header, bodyOffset } = decodeRequestHeader(frame);
    const refusal = this.#state.sasl?.refusal(header.apiKey, connection);
    if (refusal !== undefined) throw new BadRequestError('SASL_AUTHENTICATION_REQUIRED', refusal);
    const api = this.#apis.get(header.apiKey);
    if (!api) throw new BadRequestError('UNKNOWN_API_KEY', `unknown API key ${header.apiKey}`);
    const version = header.apiVersion;
    if (version < api.minVersion || version > api.maxVersion) {
      if (header.apiKey === API_VERSIONS_KEY) {
        observer?.refused(API_VERSIONS_KEY, 'UNSUPPORTED_VERSION');
        return this.#apiVersionsUnsupported(header.correlationId);
      }
      throw new BadRequestError(
        'UNSUPPORTED_VERSION',
        `${api.name} v${version} is not supported (${api.minVersion}-${api.maxVersion})`,
      );
    }
    // The frame stays this request's until it calls `applied`, so it may wait here for the handler's code.
    if (api.handler === undefined) {
      api.loading ??= api.load();
      return api.loading.then((handler) => {
        api.handler = handler;
        return this.#serve(handler, header, frame, bodyOffset, connection, applied, observer, started);
      });
    }
    return this.#serve(api.handler, header, frame, bodyOffset, connection, applied, observer, started);
  }

  #serve(
    handler: ApiHandler,
    header: RequestHeader,
    frame: Buffer,
    bodyOffset: number,
    connection: ConnectionInfo,
    applied: (frameDone?: boolean) => void,
    observer: RequestObserver | undefined,
    started: number,
  ): ResponseFrame | null | Promise<ResponseFrame | null> {
    const requestBytes = frame.length + 4;
    const version = header.apiVersion;
    const apiKey = header.apiKey as ApiKeyNumber;
    const body = decodeRequestBody(apiKey, version, frame, bodyOffset);
    const context = {
      apiVersion: version,
      clientId: header.clientId,
      connection,
      state: this.#state,
      applied: handler.keepsNothingOnceApplied ? () => applied(true) : () => applied(),
    };
    const result = handler.handle(body as never, context);
    const encode = (response: ResponseBodies[ApiKeyNumber] | null): ResponseFrame | null => {
      const encoded =
        response === null
          ? null
          : encodeResponseChunks(apiKey, version, header.correlationId, response as never);
      if (observer !== undefined) {
        const seconds = (performance.now() - started) / 1000;
        observer.answered(apiKey, version, seconds, requestBytes, frameBytes(encoded), response);
      }
      return encoded;
    };
    if (result instanceof Promise) return result.then(encode);
    return encode(result);
  }

  // KIP-511: an ApiVersions request newer than we know is answered with a v0 response carrying error 35
  // and our ApiVersions range, so the client can retry with a version we speak.
  #apiVersionsUnsupported(correlationId: number): Buffer {
    const own = this.#apis.get(API_VERSIONS_KEY)!;
    const body = {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: API_VERSIONS_KEY, minVersion: own.minVersion, maxVersion: own.maxVersion }],
      throttleTimeMs: 0,
    } as unknown as ResponseBodies[18];
    return encodeResponse(18, 0, correlationId, body);
  }
}

export type { RequestBodies };

function frameBytes(frame: ResponseFrame | null): number {
  if (frame === null) return 0;
  if (!Array.isArray(frame)) return frame.length;
  let total = 0;
  for (let i = 0; i < frame.length; i++) total += frame[i].length;
  return total;
}

function refusalCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'INTERNAL_ERROR';
}
