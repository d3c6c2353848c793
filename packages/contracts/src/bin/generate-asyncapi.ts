// Writes the AsyncAPI document of the platform's events (packages/contracts/asyncapi.json);
// `--check` fails instead when the committed document is not what the contracts generate.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateAsyncApi } from '@tributary/messaging';
import { contracts } from '../registry.ts';
import { formatJson } from './format-json.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: fileURLToPath(new URL('../../asyncapi.json', import.meta.url)) },
    check: { type: 'boolean', default: false },
  },
});
const out = values.out as string;

const document = generateAsyncApi(contracts, {
  title: 'Tributary events',
  version: '1.0.0',
  description: 'Events exchanged by the Tributary services (CloudEvents 1.0, Kafka binding, binary mode).',
  servers: { local: { host: 'localhost:9092', protocol: 'kafka', description: 'the embedded broker' } },
  generatedBy: 'npm run contracts:asyncapi (packages/contracts/src/bin/generate-asyncapi.ts)',
});
const text = formatJson(document, out);

if (values.check) {
  const committed = await readFile(out, 'utf8').catch(() => '');
  if (committed !== text) {
    console.error(`${out} is out of date: run npm run contracts:asyncapi and commit it`);
    process.exit(1);
  }
  console.log(`${out} is up to date`);
} else {
  await writeFile(out, text);
  console.log(`wrote ${out}`);
}
