import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Middleware } from 'koa';

const require = createRequire(import.meta.url);
const distDir: string = require('swagger-ui-dist').getAbsoluteFSPath();

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Face encoding sessions API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });`;

export function swaggerUi(): Middleware {
  const assets = new Map<string, { type: string; body: string | Buffer }>([
    ['/docs', { type: 'text/html; charset=utf-8', body: PAGE }],
    ['/docs/init.js', { type: 'text/javascript', body: INIT }],
    ['/docs/swagger-ui.css', { type: 'text/css', body: readFileSync(join(distDir, 'swagger-ui.css')) }],
    ['/docs/swagger-ui-bundle.js', { type: 'text/javascript', body: readFileSync(join(distDir, 'swagger-ui-bundle.js')) }],
  ]);
  return async function serveSwaggerUi(ctx, next) {
    const asset = ctx.method === 'GET' || ctx.method === 'HEAD' ? assets.get(ctx.path.replace(/\/$/, '')) : undefined;
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    // Swagger UI sets inline styles; scripts stay 'self' only (hence init.js as a file).
    ctx.set('Content-Security-Policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
    ctx.body = asset.body;
  };
}
