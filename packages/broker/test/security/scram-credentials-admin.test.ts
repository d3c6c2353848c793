// SCRAM users managed over the wire (KIP-554) by @platformatic/kafka's DescribeUserScramCredentials and
// AlterUserScramCredentials requests, the password salted on the client side as Kafka's admin tools do;
// kafkajs logs in with what was set, at once and after a restart, and no longer after a deletion.
import assert from 'node:assert/strict';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alterUserScramCredentialsV0, Connection, describeUserScramCredentialsV0 } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { type BrokerFixture, brokerFixture } from '../support/broker-fixture.ts';

const SHA_256 = 1;
const SHA_512 = 2;

/** Kafka's ScramFormatter: Hi(password, salt, iterations) with the mechanism's hash. */
function upsertion(name: string, mechanism: number, password: string, iterations = 8192) {
  const salt = randomBytes(24);
  const [hash, bytes] = mechanism === SHA_256 ? ['sha256', 32] : ['sha512', 64];
  const saltedPassword = pbkdf2Sync(password, salt, iterations, bytes as number, hash as string);
  return { name, mechanism, iterations, salt, saltedPassword };
}

/** The response, whether the client threw on its error codes or not. */
async function answer<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    const response = (err as { response?: T }).response;
    if (response === undefined) throw err;
    return response;
  }
}

async function canLogIn(
  fixture: BrokerFixture,
  username: string,
  password: string,
  mechanism: 'scram-sha-256' | 'scram-sha-512',
) {
  const admin = new Kafka({
    clientId: 'scram-login',
    brokers: [fixture.broker.address],
    sasl:
      mechanism === 'scram-sha-256'
        ? { mechanism: 'scram-sha-256', username, password }
        : { mechanism: 'scram-sha-512', username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch (err) {
    if (/authentication failed/i.test((err as Error).message)) return false;
    throw err;
  } finally {
    await admin.disconnect();
  }
}

describe('SCRAM credential admin APIs', () => {
  let fixture: BrokerFixture;
  const connections: Connection[] = [];

  async function connectAs(username: string, password: string) {
    const connection = new Connection('scram-admin', {
      sasl: { mechanism: 'SCRAM-SHA-512', username, password },
    });
    connections.push(connection);
    await connection.connect(fixture.broker.host, fixture.broker.port);
    return connection;
  }

  before(async () => {
    fixture = await brokerFixture({
      saslMechanisms: 'SCRAM-SHA-256,SCRAM-SHA-512',
      saslUsers: 'admin:admin-pw,carol:carol-pw',
      authorizer: 'acl',
      superUsers: 'User:admin',
    });
  });
  after(async () => {
    for (const c of connections) await c.close();
    await fixture?.stop();
  });

  it('creates a user who can log in at once, and describes mechanisms and iterations only', async () => {
    const admin = await connectAs('admin', 'admin-pw');
    const altered = await alterUserScramCredentialsV0.api.async(
      admin,
      [],
      [upsertion('erin', SHA_256, 'erin-pw-1'), upsertion('erin', SHA_512, 'erin-pw-1', 4096)],
    );
    assert.deepEqual(altered.results, [{ user: 'erin', errorCode: 0, errorMessage: null }]);
    assert.equal(await canLogIn(fixture, 'erin', 'erin-pw-1', 'scram-sha-256'), true);
    assert.equal(await canLogIn(fixture, 'erin', 'erin-pw-1', 'scram-sha-512'), true);
    assert.equal(await canLogIn(fixture, 'erin', 'wrong', 'scram-sha-256'), false);

    const described = await describeUserScramCredentialsV0.api.async(admin, [{ name: 'erin' }]);
    assert.equal(described.errorCode, 0);
    assert.deepEqual(described.results, [
      {
        user: 'erin',
        errorCode: 0,
        errorMessage: null,
        credentialInfos: [
          { mechanism: SHA_256, iterations: 8192 },
          { mechanism: SHA_512, iterations: 4096 },
        ],
      },
    ]);
    const all = await describeUserScramCredentialsV0.api.async(admin, null);
    assert.deepEqual(all.results.map((r) => r.user).sort(), ['admin', 'carol', 'erin']);
  });

  it("answers Kafka's errors for bad alterations and changes nothing for that user", async () => {
    const admin = await connectAs('admin', 'admin-pw');
    const bad = await answer(
      alterUserScramCredentialsV0.api.async(
        admin,
        [{ name: 'nobody', mechanism: SHA_256 }],
        [
          upsertion('few', SHA_256, 'x', 1000),
          { ...upsertion('odd', SHA_256, 'x'), mechanism: 3 },
          upsertion('twice', SHA_256, 'a'),
          upsertion('twice', SHA_256, 'b'),
        ],
      ),
    );
    const byUser = Object.fromEntries(bad.results.map((r) => [r.user, r.errorCode]));
    assert.deepEqual(byUser, {
      nobody: 91, // RESOURCE_NOT_FOUND
      few: 93, // UNACCEPTABLE_CREDENTIAL
      odd: 33, // UNSUPPORTED_SASL_MECHANISM
      twice: 92, // DUPLICATE_RESOURCE
    });
    const described = await answer(
      describeUserScramCredentialsV0.api.async(admin, [{ name: 'few' }, { name: 'erin' }]),
    );
    assert.deepEqual(
      described.results.map((r) => [r.user, r.errorCode]),
      [
        ['few', 91],
        ['erin', 0],
      ],
    );
  });

  it('refuses a user without ALTER / DESCRIBE on the cluster with CLUSTER_AUTHORIZATION_FAILED', async () => {
    const erin = await connectAs('erin', 'erin-pw-1');
    const altered = await answer(
      alterUserScramCredentialsV0.api.async(erin, [], [upsertion('mallory', SHA_256, 'pw')]),
    );
    assert.deepEqual(
      altered.results.map((r) => [r.user, r.errorCode]),
      [['mallory', 31]],
    );
    const described = await answer(describeUserScramCredentialsV0.api.async(erin, null));
    assert.equal(described.errorCode, 31);
    assert.equal(await canLogIn(fixture, 'mallory', 'pw', 'scram-sha-256'), false);
  });

  it('keeps credentials across a restart, salted only, and a deleted user can no longer log in', async () => {
    for (const c of connections.splice(0)) await c.close();
    await fixture.restart();
    const file = await readFile(join(fixture.dataDir, 'scram-credentials.json'), 'utf8');
    assert.ok(!file.includes('erin-pw-1'), 'no password in the file');
    assert.equal(await canLogIn(fixture, 'erin', 'erin-pw-1', 'scram-sha-256'), true);

    const admin = await connectAs('admin', 'admin-pw');
    const deleted = await alterUserScramCredentialsV0.api.async(
      admin,
      [
        { name: 'erin', mechanism: SHA_256 },
        { name: 'erin', mechanism: SHA_512 },
        { name: 'carol', mechanism: SHA_256 },
        { name: 'carol', mechanism: SHA_512 },
      ],
      [],
    );
    assert.deepEqual(
      deleted.results.map((r) => [r.user, r.errorCode]),
      [
        ['erin', 0],
        ['carol', 0],
      ],
    );
    assert.equal(await canLogIn(fixture, 'erin', 'erin-pw-1', 'scram-sha-256'), false);
    // carol came from saslUsers: her deletion holds across a restart too.
    for (const c of connections.splice(0)) await c.close();
    await fixture.restart();
    assert.equal(await canLogIn(fixture, 'carol', 'carol-pw', 'scram-sha-512'), false);
    assert.equal(await canLogIn(fixture, 'admin', 'admin-pw', 'scram-sha-512'), true);
  });
});
