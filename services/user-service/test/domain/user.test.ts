import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deactivateUser, InvalidUserError, normalizeEmail, registerUser } from '../../src/domain/user.ts';

const now = new Date('2026-03-04T05:06:07.000Z');

describe('user rules', () => {
  it('normalizes the email (trim, lower case) and starts active', () => {
    const u = registerUser({ id: 'u1', email: '  Ada@Example.COM ', name: ' Ada ', now });
    assert.deepEqual(u, {
      id: 'u1',
      email: 'ada@example.com',
      name: 'Ada',
      status: 'active',
      createdAt: now.toISOString(),
    });
    assert.equal(normalizeEmail('X@Y.Z'), 'x@y.z');
  });

  it('refuses a malformed email and a blank name', () => {
    assert.throws(() => registerUser({ id: 'u', email: 'not-an-email', name: 'A', now }), InvalidUserError);
    assert.throws(() => registerUser({ id: 'u', email: 'a@b.c', name: '   ', now }), InvalidUserError);
  });

  it('refuses emails the UserRegistered contract would refuse, so no registration fails at its event', () => {
    for (const email of [
      'a..b@x.io',
      '.a@x.io',
      'a.@x.io',
      'a@-x.io',
      'a@x-.io',
      'ä@x.io',
      `a@${'x'.repeat(64)}.io`,
    ]) {
      assert.throws(
        () => registerUser({ id: 'u', email, name: 'A', now }),
        (err: unknown) =>
          err instanceof InvalidUserError && err.message === `'${email}' is not an email address`,
        email,
      );
    }
    for (const email of ["o'brien+tag@sub.example.io", `a@${'x'.repeat(63)}.io`]) {
      assert.equal(registerUser({ id: 'u', email, name: 'A', now }).email, email);
    }
  });

  it('deactivates once; a second deactivation changes nothing', () => {
    const first = deactivateUser(registerUser({ id: 'u', email: 'a@b.c', name: 'A', now }));
    assert.equal(first.changed, true);
    assert.equal(first.user.status, 'inactive');
    const second = deactivateUser(first.user);
    assert.equal(second.changed, false);
    assert.equal(second.user.status, 'inactive');
  });
});
