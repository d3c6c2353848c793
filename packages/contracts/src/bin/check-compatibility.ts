// Fails when a change to a published event version would break its readers (see published-events.json).
// `--publish` records the current versions as published once the check passes.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  checkCompatibility,
  formatCompatibilityReport,
  type PublishedSnapshot,
  parseSnapshot,
  snapshotOf,
} from '@tributary/messaging';
import { contracts } from '../registry.ts';
import { formatJson } from './format-json.ts';

const { values } = parseArgs({
  options: {
    snapshot: {
      type: 'string',
      default: fileURLToPath(new URL('../../published-events.json', import.meta.url)),
    },
    publish: { type: 'boolean', default: false },
  },
});
const file = values.snapshot as string;

let snapshot: PublishedSnapshot;
try {
  snapshot = parseSnapshot(JSON.parse(await readFile(file, 'utf8')));
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !values.publish) {
    console.error(`cannot read the published-events snapshot ${file}: ${(err as Error).message}`);
    process.exit(2);
  }
  snapshot = { events: {} };
}

const report = checkCompatibility(snapshot, contracts);
console.log(formatCompatibilityReport(report));
if (!report.ok) process.exit(1);
if (values.publish) {
  const comment =
    'Published event versions; written by `npm run contracts:publish` and compared by `npm run contracts:check`.';
  await writeFile(file, formatJson(snapshotOf(contracts, comment), file));
  console.log(`recorded ${contracts.definitions().length} version(s) in ${file}`);
}
