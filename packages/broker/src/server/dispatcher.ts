// Turns a request frame into a response frame: header decode, handler lookup, body decode, encode.
import {
  decodeRequestBody,
  decodeRequestHeader,
  encodeResponse,
  encodeResponseChunks,
  type RequestBodies,
  type ResponseBodies,
} from '@tributary/kafka-protocol';
import type { BrokerState } from '../broker-state.ts';
import { ErrorCode } from '../error-codes.ts';
import type { ApiHandler, ApiKeyNumber } from '../handlers/handler.ts';
import { BadRequestError } from './client-error.ts';
import type { ConnectionInfo, FrameHandler, ResponseFrame } from './connection.ts';

const API_VERSIONS_KEY = 18;

export class Dispatcher implements FrameHandler {
  readonly #handlers = new Map<number, ApiHandler>();
  readonly #state: BrokerState;

  constructor(handlers: readonly ApiHandler[], state: BrokerState) {
    for (const h of handlers) this.#handlers.set(h.apiKey, h);
    this.#state = state;
  }

  /** The ApiVersions table: derived from the registered handlers, never written by hand. */
  supportedApis(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.#handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  handle(
    frame: Buffer,
    connection: ConnectionInfo,
    applied: (frameDone?: boolean) => void,
  ): ResponseFrame | null | Promise<ResponseFrame | null> {
    const { header, bodyOffset } = decodeRequestHeader(frame);
    const refusal = this.#state.sasl?.refusal(header.apiKey, connection);
    if (refusal !== undefined) throw new BadRequestError('SASL_AUTHENTICATION_REQUIRED', refusal);
    const handler = this.#handlers.get(header.apiKey);
    if (!handler) throw new BadRequestError('UNKNOWN_API_KEY', `unknown API key ${header.apiKey}`);
    const version = header.apiVersion;
    if (version < handler.minVersion || version > handler.maxVersion) {
      if (header.apiKey === API_VERSIONS_KEY) return this.#apiVersionsUnsupported(header.correlationId);
      throw new BadRequestError(
        'UNSUPPORTED_VERSION',
        `${handler.name} v${version} is not supported (${handler.minVersion}-${handler.maxVersion})`,
      );
    }
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
    const encode = (response: ResponseBodies[ApiKeyNumber] | null): ResponseFrame | null =>
      response === null
        ? null
        : encodeResponseChunks(apiKey, version, header.correlationId, response as never);
    if (result instanceof Promise) return result.then(encode);
    return encode(result);
  }

  // KIP-511: an ApiVersions request newer than we know is answered with a v0 response carrying error 35
  // and our ApiVersions range, so the client can retry with a version we speak.
  #apiVersionsUnsupported(correlationId: number): Buffer {
    const own = this.#handlers.get(API_VERSIONS_KEY)!;
    const body = {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: API_VERSIONS_KEY, minVersion: own.minVersion, maxVersion: own.maxVersion }],
      throttleTimeMs: 0,
    } as unknown as ResponseBodies[18];
    return encodeResponse(18, 0, correlationId, body);
  }
}

export type { RequestBodies };
