import { readFileSync } from 'node:fs';
import type { Middleware } from 'koa';

const file = (name: string) => readFileSync(new URL(`./page/${name}`, import.meta.url));

interface Asset {
  readonly type: string;
  readonly body: string | Buffer;
  /** Public files a browser may keep; everything else is no-store (securityHeaders). */
  readonly cacheable?: boolean;
}

/**
 * The page for people at `/`: plain HTML, CSS and a JavaScript module from this
 * package, no CDN and no build. Photos are shown from the browser's own memory (blob:
 * URLs) and sent only to /encode. Browsers ask every site for /favicon.ico: it is the
 * page's icon (icon.svg, drawn at 16, 32 and 48 px).
 */
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
