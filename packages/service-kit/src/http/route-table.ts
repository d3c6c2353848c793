// Remembers which methods each route path accepts, so a request for a known path with another method can
// be answered 405 with an `Allow` header instead of Fastify's 404.

interface RoutePattern {
  segments: string[];
  methods: Set<string>;
}

function splitPath(path: string): string[] {
  return path.split('/');
}

function segmentMatches(pattern: string, actual: string): boolean {
  // Any segment holding a parameter (`:id`, `:id(^\\d+)`, `file.:ext`) is treated as matching any value: a
  // slightly generous 405 is better than a misleading 404.
  if (pattern.includes(':')) return actual !== '';
  return pattern === actual;
}

export class RouteTable {
  readonly #patterns = new Map<string, RoutePattern>();

  add(url: string, methods: string | readonly string[]): void {
    let pattern = this.#patterns.get(url);
    if (pattern === undefined) {
      pattern = { segments: splitPath(url), methods: new Set() };
      this.#patterns.set(url, pattern);
    }
    for (const method of typeof methods === 'string' ? [methods] : methods)
      pattern.methods.add(method.toUpperCase());
  }

  /** Methods registered for routes matching `path` (no query string), sorted; empty when none match. */
  allowedMethods(path: string): string[] {
    const actual = splitPath(path);
    const allowed = new Set<string>();
    for (const pattern of this.#patterns.values()) {
      if (matches(pattern.segments, actual)) for (const method of pattern.methods) allowed.add(method);
    }
    return [...allowed].sort();
  }
}

function matches(pattern: readonly string[], actual: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const segment = pattern[i];
    if (segment.endsWith('*')) return true;
    if (i >= actual.length || !segmentMatches(segment, actual[i])) return false;
  }
  return pattern.length === actual.length;
}
