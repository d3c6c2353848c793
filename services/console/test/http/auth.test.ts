// The token that guards the console beyond loopback: required by the API and the trace receiver, accepted
// as a bearer header or as the cookie the sign-in sets; the UI page itself stays reachable to sign in.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig } from '../../src/config.ts';
import { useConsole } from '../support/console-fixture.ts';

const TOKEN = 'a-long-enough-secret-token';
const fx = useConsole({ token: TOKEN });

describe('console token', { timeout: 60_000 }, () => {
  it('refuses the API and the trace receiver without the token, with 401', async () => {
    for (const [method, url] of [
      ['GET', '/api/cluster'],
      ['POST', '/v1/traces'],
      ['POST', '/api/dead-letters/redrive'],
    ] as const) {
      const res = await fx.app.inject({ method, url, payload: method === 'POST' ? {} : undefined });
      assert.equal(res.statusCode, 401, url);
      assert.equal(res.json().code, 'UNAUTHORIZED');
    }
    const wrong = await fx.app.inject({ url: '/api/cluster', headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.statusCode, 401);
  });

  it('serves the API with the bearer token or the sign-in cookie, and the UI page without either', async () => {
    const bearer = await fx.app.inject({
      url: '/api/cluster',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(bearer.statusCode, 200);
    const refused = await fx.app.inject({ method: 'POST', url: '/api/session', payload: { token: 'guess' } });
    assert.equal(refused.statusCode, 401);
    const signIn = await fx.app.inject({ method: 'POST', url: '/api/session', payload: { token: TOKEN } });
    assert.equal(signIn.statusCode, 200);
    const cookie = String(signIn.headers['set-cookie']).split(';')[0];
    const withCookie = await fx.app.inject({ url: '/api/catalog', headers: { cookie } });
    assert.equal(withCookie.statusCode, 200);
    assert.equal((await fx.app.inject('/dead-letters')).statusCode, 200);
  });

  it('will not start on a non-loopback address without a token', () => {
    assert.throws(() => readConfig({ HOST: '0.0.0.0' }), /CONSOLE_TOKEN.*required when HOST \(0\.0\.0\.0\)/s);
    assert.equal(readConfig({ HOST: '0.0.0.0', CONSOLE_TOKEN: TOKEN }).HOST, '0.0.0.0');
    assert.equal(readConfig({}).HOST, '127.0.0.1');
    assert.equal(readConfig({}).PORT, 5000);
  });
});
