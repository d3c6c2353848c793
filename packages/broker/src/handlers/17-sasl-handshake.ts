// SaslHandshake v0–1: the client names the mechanism it will use; the answer lists the enabled ones. v1
// (KIP-152) moves the exchange into SaslAuthenticate requests. After v0 the exchange would follow as raw
// SASL bytes outside Kafka framing, which this broker does not speak: v0 is advertised (librdkafka takes
// it as the sign that SASL is there, then sends v1) but answered UNSUPPORTED_SASL_MECHANISM. On a
// listener without SASL every mechanism is refused.
import { ErrorCode } from '../error-codes.ts';
import { defineHandler } from './handler.ts';

export const saslHandshakeHandler = defineHandler({
  apiKey: 17,
  handle(request, { state, connection, apiVersion }) {
    const sasl = state.sasl;
    if (apiVersion === 0) {
      connection.logger.warn('SASL refused: SaslHandshake v0 (raw SASL frames) is not supported; use v1');
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [...(sasl?.mechanisms ?? [])] };
    }
    if (sasl === undefined) {
      connection.logger.warn({ mechanism: request.mechanism }, 'SASL refused: this listener has no SASL');
      return { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [] };
    }
    const ok = sasl.handshake(request.mechanism, connection);
    return {
      errorCode: ok ? ErrorCode.NONE : ErrorCode.UNSUPPORTED_SASL_MECHANISM,
      mechanisms: [...sasl.mechanisms],
    };
  },
});
