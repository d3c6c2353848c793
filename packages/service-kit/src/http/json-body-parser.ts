// JSON request bodies: Fastify's own parser (prototype poisoning refused) behind a nesting limit checked
// in one pass over the text before parsing. No body of these APIs nests more than a few levels; a body
// nested thousands deep would otherwise reach recursive code (schema defaults, copies) and overflow the
// stack, a 500 for what is a bad request.
import type { FastifyInstance } from 'fastify';
import { CodedError } from '../errors/coded-error.ts';

export const DEFAULT_MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** How deep arrays and objects nest in `text`, stopping as soon as it exceeds `limit`. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

export function registerJsonBodyParser(app: FastifyInstance, maxDepth = DEFAULT_MAX_JSON_DEPTH): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonDepthExceeds(text, maxDepth)) {
      done(
        new CodedError(
          'JSON_TOO_DEEP',
          `The request body nests arrays and objects deeper than ${maxDepth} levels.`,
        ),
        undefined,
      );
      return;
    }
    parse(request, text, done);
  });
}
