// `npm run build:console`: writes the console's UI bundle to services/console/dist (the server builds the
// same bundle in memory when it starts; this is for inspecting it or serving it from elsewhere).
import { fileURLToPath } from 'node:url';
import { buildUi } from '../http/ui-bundle.ts';

const out = fileURLToPath(new URL('../../dist', import.meta.url));
const bundle = await buildUi(out);
process.stdout.write(
  `wrote ${out}/app.js (${bundle.js.length} bytes) and app.css (${bundle.css.length} bytes)\n`,
);
