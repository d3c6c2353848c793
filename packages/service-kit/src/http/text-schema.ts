// String schemas for text that comes from outside: no control characters and no lone surrogates. PostgreSQL
// refuses NUL in text and lone surrogates in jsonb (a 500 after validation passed), lone surrogates in text
// are silently replaced, and the other control characters mean nothing in a name, SKU or key.
import { type TString, Type } from 'typebox';

/** One line: any character but the control characters (C0, DEL, C1) and lone surrogates. */
export const SINGLE_LINE_TEXT_PATTERN = '^[^\\p{Cc}\\p{Cs}]*$';
/** Like single-line text, but tabs and line breaks are allowed (free text such as a reason). */
export const MULTI_LINE_TEXT_PATTERN = '^(?:[\\t\\n\\r]|[^\\p{Cc}\\p{Cs}])*$';

const PATTERN_MESSAGES: Record<string, string> = {
  [SINGLE_LINE_TEXT_PATTERN]: 'must not contain control characters or line breaks',
  [MULTI_LINE_TEXT_PATTERN]: 'must not contain control characters other than tabs and line breaks',
};

export interface TextOptions {
  minLength?: number;
  maxLength?: number;
  description?: string;
  /** Allow tabs and line breaks; default false. */
  multiline?: boolean;
}

/** A string schema for request text that the database and the event contracts can always take. */
export function textSchema(options: TextOptions = {}): TString {
  const { multiline = false, ...rest } = options;
  return Type.String({ ...rest, pattern: multiline ? MULTI_LINE_TEXT_PATTERN : SINGLE_LINE_TEXT_PATTERN });
}

/** The field error message for a failed text pattern; undefined for any other pattern. */
export function textPatternMessage(pattern: unknown): string | undefined {
  return typeof pattern === 'string' ? PATTERN_MESSAGES[pattern] : undefined;
}
