import Router from '@koa/router';
import Koa, { type Context, type Middleware } from 'koa';

/** What the HTTP driver reports; the metrics adapter fills it. */
export interface RequestObserver {
  requestEnded(labels: { method: string; route: string; status: number }, seconds: number): void;
  sessionStarted(): void;
}

/** Something that can render itself as Prometheus text. */
export interface MetricsText {
  readonly contentType: string;
  text(): Promise<string>;
}

// Anything else a client sends as a method is one label value, not one per spelling.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Times every request, labelled by the route pattern the router matched (never the
 * raw URL, which could carry anything a client typed), so labels stay few and keyless.
 */
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

/** The handler of GET /metrics. */
export function serveMetrics(metrics: MetricsText): (ctx: Context) => Promise<void> {
  return async function metricsText(ctx) {
    ctx.type = metrics.contentType;
    ctx.body = await metrics.text();
  };
}

/** METRICS_PORT: a server of its own that answers GET /metrics and nothing else. */
export function createMetricsApp(metrics: MetricsText): Koa {
  const app = new Koa();
  const router = new Router();
  router.get('/metrics', serveMetrics(metrics));
  app.use(router.routes());
  return app;
}
