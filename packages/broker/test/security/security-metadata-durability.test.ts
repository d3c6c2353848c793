// ACLs and SCRAM credentials changed over the wire are durable once acknowledged: on the simulated disk, a
// power cut at any point keeps every acknowledged change, and a change whose write fails is neither
// acknowledged nor applied (in memory or after a power cut).
import assert from 'node:assert/strict';
import { pbkdf2Sync } from 'node:crypto';
import { it } from 'node:test';
import { pino } from 'pino';
import { mkdirDurable } from '../../src/io/index.ts';
import { SimulatedDisk, seededRandom } from '../../src/io/simulated-disk.ts';
import {
  type AclBinding,
  AclOperation,
  AclPermission,
  PatternType,
  ResourceType,
} from '../../src/security/acl.ts';
import { AclStore } from '../../src/security/acl-store.ts';
import { CredentialStore } from '../../src/security/credential-store.ts';
import { ScramAdmin } from '../../src/security/scram-admin.ts';

const logger = pino({ level: 'silent' });
const DIR = '/data/broker';

const binding = (i: number): AclBinding => ({
  resourceType: ResourceType.TOPIC,
  resourceName: `topic-${i}`,
  patternType: PatternType.LITERAL,
  principal: `User:u${i}`,
  host: '*',
  operation: AclOperation.READ,
  permissionType: AclPermission.ALLOW,
});

it('keeps every acknowledged ACL change across power cuts, and none whose write failed', async () => {
  for (let seed = 1; seed <= 50; seed++) {
    const disk = new SimulatedDisk(seededRandom(seed));
    await mkdirDurable(disk.mount(), DIR);
    let store = await AclStore.load(disk.mount(), DIR);
    const acknowledged: AclBinding[] = [];
    for (let i = 0; i < 6; i++) {
      await store.add([binding(i)]);
      acknowledged.push(binding(i));
    }
    const removed = await store.remove([{ ...binding(2), resourceName: 'topic-2' }]);
    assert.equal(removed[0].length, 1);
    acknowledged.splice(2, 1);
    disk.setFaults({ syncFailure: 1 });
    await assert.rejects(store.add([binding(99)]), /EIO/);
    assert.deepEqual(store.all, acknowledged, `seed ${seed}: a failed change is not applied`);
    disk.setFaults({});
    disk.powerCut();
    store = await AclStore.load(disk.mount(), DIR);
    assert.deepEqual(store.all, acknowledged, `seed ${seed}: after the power cut`);
  }
});

it('keeps every acknowledged SCRAM credential change across power cuts, and none whose write failed', async () => {
  const salt = Buffer.from('salt-for-the-test');
  const upsert = (name: string) => ({
    name,
    mechanism: 1,
    iterations: 4096,
    salt,
    saltedPassword: pbkdf2Sync(`${name}-pw`, salt, 4096, 32, 'sha256'),
  });
  for (let seed = 1; seed <= 20; seed++) {
    const disk = new SimulatedDisk(seededRandom(seed));
    await mkdirDurable(disk.mount(), DIR);
    let credentials = new CredentialStore();
    let admin = await ScramAdmin.open(disk.mount(), DIR, credentials, logger);
    await admin.alter([], [upsert('ann'), upsert('ben')], 'User:root');
    await admin.alter([{ name: 'ben', mechanism: 1 }], [], 'User:root');
    disk.setFaults({ syncFailure: 1 });
    await assert.rejects(admin.alter([], [upsert('cid')], 'User:root'), /EIO/);
    assert.equal(credentials.credential('cid', 'SCRAM-SHA-256'), undefined, `seed ${seed}: not applied`);
    disk.setFaults({});
    disk.powerCut();
    credentials = new CredentialStore();
    admin = await ScramAdmin.open(disk.mount(), DIR, credentials, logger);
    assert.deepEqual(
      credentials.list().map((u) => u.username),
      ['ann'],
      `seed ${seed}: after the power cut`,
    );
    assert.ok(credentials.checkPassword('ann', 'ann-pw'), `seed ${seed}: ann's password still works`);
  }
});
