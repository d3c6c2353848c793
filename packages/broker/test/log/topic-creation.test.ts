// Topic creation is all or nothing: a creation that fails part way leaves no topic and no directories,
// now and after a restart; a deletion that returned is gone for good.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { pino } from 'pino';
import { SimulatedDisk, seededRandom } from '../../src/io/simulated-disk.ts';
import { LogError, LogManager } from '../../src/log/index.ts';

const logger = pino({ level: 'silent' });
const open = (disk: SimulatedDisk) =>
  LogManager.open({ dataDir: '/data/topics', fs: disk.mount(), logger, timers: false });

it('leaves no partial topic and no directories when creation fails part way, also after a power cut', async () => {
  const disk = new SimulatedDisk(seededRandom(1));
  let logs = await open(disk);
  await logs.createTopic('kept', 2);
  disk.setFaults({ syncFailure: 1 });
  await assert.rejects(logs.createTopic('doomed', 50), (err: unknown) => {
    assert.ok(err instanceof LogError);
    assert.equal(err.code, 'STORAGE_ERROR');
    assert.match(
      err.message,
      /cannot create topic 'doomed' with 50 partitions \(EIO\); nothing of it was kept/,
    );
    return true;
  });
  assert.equal(logs.getTopic('doomed'), undefined);
  assert.equal(logs.partition('doomed', 0), undefined);
  const names = () => disk.mount().readdir('/data/topics');
  assert.deepEqual(
    names().filter((n) => n.startsWith('doomed')),
    [],
    'no directory of the failed topic is left',
  );
  disk.setFaults({});
  disk.powerCut();
  logs = await open(disk);
  assert.deepEqual(
    logs.listTopics().map((t) => t.name),
    ['kept'],
  );
  const own = ['topics.json', 'producer-ids.json', '.clean-shutdown'];
  assert.ok(
    names().every((n) => n.startsWith('kept-') || own.includes(n)),
    `only the kept topic's directories remain: ${names().join(', ')}`,
  );
  await logs.deleteTopic('kept');
  disk.powerCut();
  logs = await open(disk);
  assert.deepEqual(logs.listTopics(), []);
  assert.deepEqual(
    names().filter((n) => n.startsWith('kept')),
    [],
  );
});
