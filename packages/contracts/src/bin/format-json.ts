// Generated JSON is written the way the repository's formatter (Biome) would write it, so that formatting
// checks and "regenerate and diff" checks agree.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

export function formatJson(value: unknown, filePath: string): string {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  let biome: string;
  try {
    biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  } catch {
    return text;
  }
  const result = spawnSync(process.execPath, [biome, 'format', `--stdin-file-path=${filePath}`], {
    input: text,
    encoding: 'utf8',
  });
  return result.status === 0 && result.stdout ? result.stdout : text;
}
