import type { Middleware } from 'koa';

/**
 * Headers for a JSON API that carries keys and biometric data: nothing is sniffed,
 * framed, cached or allowed to load anything. The /docs page sets its own CSP over this.
 */
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
