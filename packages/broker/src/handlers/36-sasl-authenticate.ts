// SaslAuthenticate v0–2: the SASL exchange in Kafka frames (KIP-152). v1 added sessionLifetimeMs
// (KIP-368): the client re-authenticates on the same connection before it runs out; v2 is flexible.
// A failed exchange answers SASL_AUTHENTICATION_FAILED with Kafka's message and is logged without the
// credentials; the connection may only try again.
import { ErrorCode } from '../error-codes.ts';
import { defineHandler } from './handler.ts';

export const saslAuthenticateHandler = defineHandler({
  apiKey: 36,
  handle(request, { state, connection }) {
    const sasl = state.sasl;
    const result =
      sasl === undefined
        ? ({ ok: false, errorCode: 'ILLEGAL_SASL_STATE', message: 'this listener has no SASL' } as const)
        : sasl.authenticate(request.authBytes, connection);
    if (!result.ok) {
      return {
        errorCode: ErrorCode[result.errorCode],
        errorMessage: result.message,
        authBytes: Buffer.alloc(0),
        sessionLifetimeMs: 0n,
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      authBytes: result.authBytes,
      sessionLifetimeMs: result.done ? BigInt(result.sessionLifetimeMs) : 0n,
    };
  },
});
