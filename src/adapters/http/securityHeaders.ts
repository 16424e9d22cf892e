import type { Middleware } from 'koa';

/** The API carries keys and biometric data: nothing sniffed, framed, cached or loaded. /docs sets its own CSP over this. */
export const securityHeaders: Middleware = async function securityHeaders(ctx, next) {
  ctx.set({
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });
  await next();
};
