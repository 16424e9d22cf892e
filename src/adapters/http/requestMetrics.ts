import Router from '@koa/router';
import Koa, { type Context, type Middleware } from 'koa';

export interface RequestObserver {
  requestEnded(labels: { method: string; route: string; status: number }, seconds: number): void;
  sessionStarted(): void;
}

export interface MetricsText {
  readonly contentType: string;
  text(): Promise<string>;
}

// Anything else a client sends as a method is one label value, not one per spelling.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Labelled by the matched route pattern, never the raw URL (anything a client typed), so labels stay few and keyless. */
export function requestMetrics(observer: RequestObserver): Middleware {
  return async function measureRequest(ctx, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      const matched: unknown = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      observer.requestEnded(
        {
          method: METHODS.has(ctx.method) ? ctx.method : 'OTHER',
          // Swagger UI's files are served ahead of the router, under one label.
          route: typeof matched === 'string' ? matched : ctx.path.startsWith('/docs') ? '/docs' : 'unmatched',
          status: ctx.status,
        },
        (performance.now() - started) / 1000,
      );
    }
  };
}

export function serveMetrics(metrics: MetricsText): (ctx: Context) => Promise<void> {
  return async function metricsText(ctx) {
    ctx.type = metrics.contentType;
    ctx.body = await metrics.text();
  };
}

export function createMetricsApp(metrics: MetricsText): Koa {
  const app = new Koa();
  const router = new Router();
  router.get('/metrics', serveMetrics(metrics));
  app.use(router.routes());
  return app;
}
