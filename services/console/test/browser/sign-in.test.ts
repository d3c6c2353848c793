// Signing in to the console in a real browser (Debian's Chromium through playwright-core) when it takes JWT
// bearer tokens (AUTH_MODE=jwt with a public key file, as deployed): a wrong token shows the reason and no
// data, a valid one shows the cluster and is kept for the tab (sessionStorage) across a reload.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { consoleAuthFromConfig, readConfig } from '../../src/config.ts';
import { type BrowserSession, openBrowser } from '../support/browser.ts';
import { useConsole } from '../support/console-fixture.ts';

const keys = await generateKeyPair('ES256');
const keyDir = await mkdtemp(join(tmpdir(), 'console-sign-in-'));
await writeFile(join(keyDir, 'issuer.pem'), await exportSPKI(keys.publicKey));
const auth = consoleAuthFromConfig(
  readConfig({
    AUTH_MODE: 'jwt',
    AUTH_JWT_PUBLIC_KEY_FILE: join(keyDir, 'issuer.pem'),
    AUTH_ISSUER: 'https://id.example.test/',
    AUTH_AUDIENCE: 'tributary-console',
  }),
);
const fx = useConsole({ verify: auth.verify });
after(() => rm(keyDir, { recursive: true, force: true }));

describe('signing in to the console in a browser', { timeout: 180_000 }, () => {
  let browser: BrowserSession;
  let base: string;
  before(async () => {
    await fx.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(fx.app.server.address() as { port: number }).port}`;
    await fx.context.cluster.createTopic('signed-in-topic', 1);
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('shows the reason for a wrong token and the cluster for a valid JWT, kept across a reload', async () => {
    const { page } = browser;
    await page.goto(base);
    const form = page.locator('form.sign-in');
    await form.waitFor();
    // What the console accepts comes from /api/session, which may answer after the form is drawn.
    await form.locator('p', { hasText: /needs a JWT/ }).waitFor();

    await form.locator('input[name="token"]').fill('not-a-valid-token');
    await form.getByRole('button', { name: 'Sign in' }).click();
    const alert = form.getByRole('alert');
    await alert.waitFor();
    assert.notEqual(((await alert.textContent()) ?? '').trim(), '');
    assert.equal(await page.locator('table.topics').count(), 0, 'no data without a valid token');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('console-token')), null);
    await browser.screenshot('sign-in-refused');

    const token = await new SignJWT({ scope: 'console:read' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://id.example.test/')
      .setAudience('tributary-console')
      .setSubject('carol@example.test')
      .setExpirationTime('10m')
      .sign(keys.privateKey);
    await form.locator('input[name="token"]').fill(token);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('table.topics tr[data-topic="signed-in-topic"]').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('console-token')), token);
    await browser.screenshot('signed-in');

    // Without the sign-in cookie, the token the tab keeps is what the requests carry.
    await browser.context.clearCookies();
    await page.reload();
    await page.locator('table.topics tr[data-topic="signed-in-topic"]').waitFor();
    assert.equal(await page.locator('form.sign-in').count(), 0, 'the tab stays signed in');
  });
});
