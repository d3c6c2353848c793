// The authorizer's decisions, as Kafka's StandardAuthorizer makes them: implied operations, DENY over
// ALLOW, wildcards, prefixes, hosts, super users and the no-ACL default; the ACL file it reads.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CorruptFileError, nodeFileSystem } from '../../src/io/index.ts';
import {
  type AclBinding,
  AclPermission,
  CLUSTER_NAME,
  filterProblem,
  AclOperation as Op,
  PatternType,
  ResourceType as Res,
} from '../../src/security/acl.ts';
import { AclStore } from '../../src/security/acl-store.ts';
import { Authorizer } from '../../src/security/authorizer.ts';
import { capturedLogger } from '../support/captured-logger.ts';

const alice = { principal: 'User:alice', host: '10.0.0.1' };
const bob = { principal: 'User:bob', host: '10.0.0.2' };

function binding(over: Partial<AclBinding>): AclBinding {
  return {
    resourceType: Res.TOPIC,
    resourceName: 'orders',
    patternType: PatternType.LITERAL,
    principal: 'User:alice',
    host: '*',
    operation: Op.READ,
    permissionType: AclPermission.ALLOW,
    ...over,
  };
}

describe('authorizer decisions', () => {
  let dir: string;
  const { logger, lines } = capturedLogger();

  async function authorizer(
    acls: AclBinding[],
    options: { superUsers?: string[]; allowIfNone?: boolean } = {},
  ) {
    const sub = await mkdtemp(join(dir, 'acls-'));
    const store = await AclStore.load(nodeFileSystem, sub);
    await store.add(acls);
    return new Authorizer({
      acls: store,
      superUsers: options.superUsers ?? [],
      allowEveryoneIfNoAclFound: options.allowIfNone ?? false,
      logger,
    });
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-authorizer-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS; nothing else', async () => {
    for (const op of [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER]) {
      const a = await authorizer([binding({ operation: op })]);
      assert.equal(a.allows(alice, Op.DESCRIBE, Res.TOPIC, 'orders'), true, `op ${op} implies DESCRIBE`);
    }
    const configs = await authorizer([binding({ operation: Op.ALTER_CONFIGS })]);
    assert.equal(configs.allows(alice, Op.DESCRIBE_CONFIGS, Res.TOPIC, 'orders'), true);
    assert.equal(configs.allows(alice, Op.DESCRIBE, Res.TOPIC, 'orders'), false);
    const read = await authorizer([binding({ operation: Op.READ })]);
    assert.equal(read.allows(alice, Op.WRITE, Res.TOPIC, 'orders'), false);
    const describeOnly = await authorizer([binding({ operation: Op.DESCRIBE })]);
    assert.equal(describeOnly.allows(alice, Op.READ, Res.TOPIC, 'orders'), false);
    const all = await authorizer([binding({ operation: Op.ALL })]);
    assert.equal(all.allows(alice, Op.DELETE, Res.TOPIC, 'orders'), true);
  });

  it('a DENY wins over any ALLOW, and DENY ALL denies every operation', async () => {
    const a = await authorizer([
      binding({ operation: Op.ALL }),
      binding({ operation: Op.WRITE, permissionType: AclPermission.DENY }),
    ]);
    assert.equal(a.allows(alice, Op.READ, Res.TOPIC, 'orders'), true);
    assert.equal(a.allows(alice, Op.WRITE, Res.TOPIC, 'orders'), false);
    const denyAll = await authorizer([
      binding({ operation: Op.READ }),
      binding({
        principal: 'User:*',
        resourceName: '*',
        operation: Op.ALL,
        permissionType: AclPermission.DENY,
      }),
    ]);
    assert.equal(denyAll.allows(alice, Op.READ, Res.TOPIC, 'orders'), false);
  });

  it('matches the literal wildcard, prefixes, User:* and hosts', async () => {
    const a = await authorizer([
      binding({ resourceName: '*', principal: 'User:*', operation: Op.DESCRIBE }),
      binding({ resourceName: 'pay', patternType: PatternType.PREFIXED, operation: Op.WRITE }),
      binding({ resourceName: 'audit', principal: 'User:bob', host: '10.0.0.9', operation: Op.READ }),
    ]);
    assert.equal(a.allows(bob, Op.DESCRIBE, Res.TOPIC, 'anything'), true);
    assert.equal(a.allows(alice, Op.WRITE, Res.TOPIC, 'payments'), true);
    assert.equal(a.allows(alice, Op.WRITE, Res.TOPIC, 'pa'), false);
    assert.equal(a.allows(bob, Op.WRITE, Res.TOPIC, 'payments'), false);
    assert.equal(a.allows(bob, Op.READ, Res.TOPIC, 'audit'), false, 'from another host');
    assert.equal(a.allows({ ...bob, host: '10.0.0.9' }, Op.READ, Res.TOPIC, 'audit'), true);
    assert.equal(a.allows(alice, Op.READ, Res.GROUP, 'anything'), false, 'resource types are apart');
  });

  it('allows a resource no ACL names only with allowEveryoneIfNoAclFound, and super users always', async () => {
    const strict = await authorizer([binding({})], { superUsers: ['User:root'] });
    assert.equal(strict.allows(bob, Op.READ, Res.TOPIC, 'unnamed'), false);
    assert.equal(
      strict.allows({ principal: 'User:root', host: '1.2.3.4' }, Op.ALTER, Res.CLUSTER, CLUSTER_NAME),
      true,
    );
    const open = await authorizer([binding({})], { allowIfNone: true });
    assert.equal(open.allows(bob, Op.READ, Res.TOPIC, 'unnamed'), true);
    assert.equal(open.allows(bob, Op.READ, Res.TOPIC, 'orders'), false, 'orders has an ACL, for alice');
  });

  it('logs a refusal once with principal, host, operation and resource, then counts repeats', async () => {
    const a = await authorizer([]);
    lines.length = 0;
    for (let i = 0; i < 3; i++) assert.equal(a.check(bob, Op.WRITE, Res.TOPIC, 'orders'), false);
    assert.equal(lines.length, 1);
    const line = JSON.parse(lines[0]);
    assert.equal(line.msg, 'authorization refused');
    assert.equal(line.principal, 'User:bob');
    assert.equal(line.host, '10.0.0.2');
    assert.equal(line.operation, 'WRITE');
    assert.equal(line.resource, 'TOPIC:orders');
  });

  it('refuses filters with unknown codes, as Kafka answers them INVALID_REQUEST', () => {
    const any = {
      resourceType: Res.ANY,
      resourceName: null,
      patternType: PatternType.ANY,
      principal: null,
      host: null,
      operation: Op.ANY,
      permissionType: AclPermission.ANY,
    };
    assert.equal(filterProblem(any), null);
    assert.match(filterProblem({ ...any, resourceType: 42 }) ?? '', /resource type UNKNOWN\(42\)/);
    assert.match(filterProblem({ ...any, patternType: 0 }) ?? '', /pattern type UNKNOWN/);
    assert.match(filterProblem({ ...any, operation: 99 }) ?? '', /operation UNKNOWN\(99\)/);
    assert.match(filterProblem({ ...any, permissionType: 0 }) ?? '', /permission type UNKNOWN/);
  });

  it('keeps ACLs in acls.json across a reload, and refuses a damaged file naming it', async () => {
    const sub = await mkdtemp(join(dir, 'reload-'));
    const store = await AclStore.load(nodeFileSystem, sub);
    await store.add([binding({}), binding({})]);
    assert.equal(store.all.length, 1, 'the same binding is kept once');
    const again = await AclStore.load(nodeFileSystem, sub);
    assert.deepEqual(again.all, [binding({})]);
    await writeFile(join(sub, 'acls.json'), '{"acls": [{"resourceType": 2}]}');
    await assert.rejects(AclStore.load(nodeFileSystem, sub), (err: unknown) => {
      assert.ok(err instanceof CorruptFileError);
      assert.match(err.message, /acls\.json: ACL 1 lacks a field/);
      return true;
    });
  });
});
