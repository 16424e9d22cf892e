import { readFileSync } from 'node:fs';
import type { Middleware } from 'koa';

const file = (name: string) => readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8');

/**
 * The page for people at `/`: plain HTML, CSS and a JavaScript module from this
 * package, no CDN and no build. Photos are shown from the browser's own memory (blob:
 * URLs) and sent only to /encode.
 */
export function personPage(limits: { sessionImageLimit: number; maxFaces: number }): Middleware {
  const html = file('index.html').replaceAll('{{IMAGE_LIMIT}}', String(limits.sessionImageLimit)).replaceAll('{{MAX_FACES}}', String(limits.maxFaces));
  const assets = new Map<string, { type: string; body: string }>([
    ['/', { type: 'text/html; charset=utf-8', body: html }],
    ['/page/page.js', { type: 'text/javascript; charset=utf-8', body: file('page.js') }],
    ['/page/page.css', { type: 'text/css; charset=utf-8', body: file('page.css') }],
  ]);
  return async function servePersonPage(ctx, next) {
    const asset = ctx.method === 'GET' || ctx.method === 'HEAD' ? assets.get(ctx.path) : undefined;
    if (!asset) return next();
    ctx.type = asset.type;
    ctx.set(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    ctx.body = asset.body;
  };
}
