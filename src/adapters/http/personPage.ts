import { readFileSync } from 'node:fs';
import type { Middleware } from 'koa';

const file = (name: string) => readFileSync(new URL(`./page/${name}`, import.meta.url));

interface Asset {
  readonly type: string;
  readonly body: string | Buffer;
  readonly cacheable?: boolean;
}

/** The page at `/`, no CDN: photos are shown from blob: URLs and sent only to /encode. */
export function personPage(limits: { sessionImageLimit: number; maxFaces: number }): Middleware {
  const html = String(file('index.html')).replaceAll('{{IMAGE_LIMIT}}', String(limits.sessionImageLimit)).replaceAll('{{MAX_FACES}}', String(limits.maxFaces));
  const assets = new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: html }],
    ['/page/page.js', { type: 'text/javascript; charset=utf-8', body: file('page.js') }],
    ['/page/page.css', { type: 'text/css; charset=utf-8', body: file('page.css') }],
    ['/page/icon.svg', { type: 'image/svg+xml', body: file('icon.svg'), cacheable: true }],
    ['/favicon.ico', { type: 'image/x-icon', body: file('favicon.ico'), cacheable: true }],
  ]);
  return async function servePersonPage(ctx, next) {
    const asset = ctx.method === 'GET' || ctx.method === 'HEAD' ? assets.get(ctx.path) : undefined;
    if (!asset) return next();
    ctx.type = asset.type;
    if (asset.cacheable) ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.set(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    ctx.body = asset.body;
  };
}
