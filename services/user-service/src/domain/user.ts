// The user aggregate: registration with a normalized email, and deactivation (idempotent).
// The email rule is TypeBox's `email` format, the very check the UserRegistered contract validates with:
// an address the domain accepts must never be refused later when its event is built. It is a pure
// predicate, so the domain still knows nothing of HTTP, Kafka or SQL.
import { Format } from 'typebox/format';

export const USER_STATUSES = ['active', 'inactive'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** Allowed status changes; deactivating an inactive user is a no-op, not a change. */
export const USER_TRANSITIONS: Readonly<Record<UserStatus, readonly UserStatus[]>> = {
  active: ['inactive'],
  inactive: [],
};

export interface User {
  id: string;
  email: string;
  name: string;
  status: UserStatus;
  createdAt: string;
}

export class InvalidUserError extends Error {
  readonly code = 'INVALID_USER';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidUserError';
  }
}

// Characters that render as nothing: white space, format characters (zero-width space and joiners, the
// BOM), default-ignorable code points, and the blank-looking letters (Hangul fillers, the blank Braille
// pattern). A name made only of these shows as empty.
const INVISIBLE = /[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800\u3164\uFFA0\u115F\u1160]/gu;
// Bidirectional embeddings, overrides and isolates (Unicode TR9): they reorder the text around them, so a
// name could display as something else than it is (CVE-2021-42574, "Trojan Source").
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/u;

/** Emails compare case-insensitively and without surrounding blanks. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function registerUser(input: { id: string; email: string; name: string; now: Date }): User {
  const email = normalizeEmail(input.email);
  const name = input.name.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || !Format.Test('email', email))
    throw new InvalidUserError(`'${input.email}' is not an email address`);
  if (name.replace(INVISIBLE, '').length === 0)
    throw new InvalidUserError('name must contain at least one visible character');
  if (BIDI_CONTROLS.test(name))
    throw new InvalidUserError(
      'name must not contain bidirectional control characters (U+202A to U+202E, U+2066 to U+2069)',
    );
  return { id: input.id, email, name, status: 'active', createdAt: input.now.toISOString() };
}

/** The deactivated user, and whether anything changed (a second deactivation changes nothing). */
export function deactivateUser(user: User): { user: User; changed: boolean } {
  if (!USER_TRANSITIONS[user.status].includes('inactive')) return { user, changed: false };
  return { user: { ...user, status: 'inactive' }, changed: true };
}
