// Reads compose.yaml as Compose does (YAML merge keys resolved) and selects a profile's services the way
// `docker compose --profile NAME config` does: services of that profile or of none, and only the
// depends_on entries that point at a selected service (the others must be `required: false`).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const COMPOSE_FILE = fileURLToPath(new URL('../../../compose.yaml', import.meta.url));

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  profiles?: string[];
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  healthcheck?: { test: string[] | string };
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
  networks?: Record<string, { aliases?: string[] } | null>;
  read_only?: boolean;
  user?: string;
  cap_drop?: string[];
  security_opt?: string[];
  [key: string]: unknown;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  [key: string]: unknown;
}

export async function readComposeFile(path = COMPOSE_FILE): Promise<ComposeFile> {
  return parse(await readFile(path, 'utf8'), { merge: true }) as ComposeFile;
}

export function selectProfile(compose: ComposeFile, profile: string): ComposeFile {
  const services: Record<string, ComposeService> = {};
  for (const [name, service] of Object.entries(compose.services)) {
    if (service.profiles === undefined || service.profiles.includes(profile)) services[name] = service;
  }
  for (const [name, service] of Object.entries(services)) {
    if (service.depends_on === undefined) continue;
    const kept: Record<string, { condition: string; required?: boolean }> = {};
    for (const [dependency, condition] of Object.entries(service.depends_on)) {
      if (dependency in services) kept[dependency] = condition;
      else if (condition.required !== false)
        throw new Error(`service ${name} of profile ${profile} depends on ${dependency}, which is not in it`);
    }
    services[name] = { ...service, depends_on: kept };
  }
  return { ...compose, services };
}
