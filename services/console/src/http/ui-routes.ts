// The browser UI: one HTML page for every view's URL (so each can be linked and bookmarked) and the bundle.
import type { App } from '@tributary/service-kit';
import type { UiBundle } from './ui-bundle.ts';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tributary Console</title>
<link rel="stylesheet" href="/assets/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/assets/app.js"></script>
</body>
</html>
`;

export const UI_PATHS = [
  '/',
  '/topics/:name',
  '/topics/:name/partitions/:partition',
  '/groups/:id',
  '/dead-letters',
  '/traces',
  '/traces/:id',
  '/catalog',
  '/audit',
] as const;

export function registerUiRoutes(app: App, bundle: UiBundle): void {
  for (const path of UI_PATHS) {
    app.get(path, { schema: { hide: true } }, async (_request, reply) =>
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(PAGE),
    );
  }
  app.get('/assets/app.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(bundle.js),
  );
  app.get('/assets/app.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(bundle.css),
  );
}
