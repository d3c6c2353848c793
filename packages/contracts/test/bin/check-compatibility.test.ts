// The compatibility check: published versions may gain optional fields and nothing else.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  checkCompatibility,
  createEventRegistry,
  defineEvent,
  type PublishedSnapshot,
  parseSnapshot,
  snapshotOf,
} from '@tributary/messaging';
import { type TObject, Type } from 'typebox';
import { allEvents, contracts, UserRegisteredV1 } from '../../src/index.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/bin/check-compatibility.ts', import.meta.url));

/** The contracts with UserRegistered v1 replaced by a definition of the given schema. */
function withUserRegistered(schema: TObject) {
  const changed = defineEvent({
    type: 'user.registered',
    version: 1,
    topic: 'users',
    key: 'userId',
    schema,
  } as never);
  return createEventRegistry([changed, ...allEvents.filter((d) => d !== UserRegisteredV1)]);
}

const base = {
  userId: Type.String({ minLength: 1, description: 'aggregate id of the user' }),
  email: Type.String({ format: 'email' }),
  name: Type.String({ minLength: 1 }),
  registeredAt: Type.String({ format: 'date-time' }),
};

function rulesFor(schema: TObject): string[] {
  return checkCompatibility(snapshotOf(contracts), withUserRegistered(schema)).breaking.map(
    (b) => `${b.rule} ${b.path}`,
  );
}

describe('contracts compatibility check', () => {
  it('passes for the committed snapshot of published versions', async () => {
    const snapshot = parseSnapshot(
      JSON.parse(await readFile(new URL('../../published-events.json', import.meta.url), 'utf8')),
    );
    const report = checkCompatibility(snapshot, contracts);
    assert.deepEqual(report.breaking, []);
    assert.deepEqual(report.unpublished, [], 'every contract version is recorded as published');
  });

  it('allows adding an optional field and changing descriptions', () => {
    assert.deepEqual(
      rulesFor(
        Type.Object({ ...base, userId: Type.String({ minLength: 1 }), locale: Type.Optional(Type.String()) }),
      ),
      [],
    );
  });

  it('flags removing or renaming a required field', () => {
    const { email: _email, ...withoutEmail } = base;
    assert.deepEqual(rulesFor(Type.Object(withoutEmail)), ['REQUIRED_FIELD_REMOVED /email']);
    const { name: _name, ...renamed } = base;
    assert.deepEqual(rulesFor(Type.Object({ ...renamed, fullName: Type.String() })), [
      'REQUIRED_FIELD_REMOVED /name',
      'REQUIRED_FIELD_ADDED /fullName',
    ]);
  });

  it('flags a changed type, an optional field made required and narrowed constraints', () => {
    assert.deepEqual(rulesFor(Type.Object({ ...base, registeredAt: Type.Integer() })), [
      'TYPE_CHANGED /registeredAt',
    ]);
    assert.deepEqual(rulesFor(Type.Object({ ...base, name: Type.String({ minLength: 3 }) })), [
      'CONSTRAINT_NARROWED /name',
    ]);
    assert.deepEqual(rulesFor(Type.Object({ ...base, name: Type.String({ minLength: 1, maxLength: 80 }) })), [
      'CONSTRAINT_NARROWED /name',
    ]);
    assert.deepEqual(rulesFor(Type.Object(base, { additionalProperties: false })), ['CONSTRAINT_NARROWED /']);

    const published = withUserRegistered(Type.Object({ ...base, locale: Type.Optional(Type.String()) }));
    const required = withUserRegistered(Type.Object({ ...base, locale: Type.String() }));
    assert.deepEqual(
      checkCompatibility(snapshotOf(published), required).breaking.map((b) => `${b.rule} ${b.path}`),
      ['FIELD_MADE_REQUIRED /locale'],
    );
  });

  it('flags a published version that disappeared, or moved topic', () => {
    const report = checkCompatibility(
      snapshotOf(contracts),
      createEventRegistry(allEvents.filter((d) => d !== UserRegisteredV1)),
    );
    assert.deepEqual(
      report.breaking.map((b) => [b.ceType, b.rule]),
      [['tributary.user.registered.v1', 'VERSION_REMOVED']],
    );
    const moved = defineEvent({
      type: 'user.registered',
      version: 1,
      topic: 'people',
      key: 'userId',
      schema: Type.Object(base),
    });
    const movedReport = checkCompatibility(
      snapshotOf(contracts),
      createEventRegistry([moved, ...allEvents.filter((d) => d !== UserRegisteredV1)]),
    );
    assert.deepEqual(
      movedReport.breaking.map((b) => b.rule),
      ['TOPIC_CHANGED'],
    );
  });

  it('fails the npm script (exit 1) on a temp snapshot the contracts no longer match', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-contracts-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const snapshot: PublishedSnapshot = snapshotOf(contracts);
    // As if the published v1 had a `phone` field the current contract dropped.
    const published = snapshot.events['tributary.user.registered.v1'].schema as {
      properties: Record<string, unknown>;
      required: string[];
    };
    published.properties.phone = { type: 'string' };
    published.required.push('phone');
    const file = join(dir, 'published-events.json');
    await writeFile(file, JSON.stringify(snapshot));
    const failure = await run(process.execPath, [cli, '--snapshot', file]).then(
      () => assert.fail('the check should fail'),
      (err: { code: number; stdout: string }) => err,
    );
    assert.equal(failure.code, 1);
    assert.match(failure.stdout, /BREAKING tributary\.user\.registered\.v1 \/phone: REQUIRED_FIELD_REMOVED/);

    await writeFile(file, JSON.stringify(snapshotOf(contracts)));
    const ok = await run(process.execPath, [cli, '--snapshot', file]);
    assert.match(ok.stdout, /compatible/);
  });
});
