import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { Failure } from '../../domain/Failure.ts';
import type { Authenticate } from '../../domain/useCases/Authenticate.ts';
import type { ClearSession } from '../../domain/useCases/ClearSession.ts';
import type { EncodeImage } from '../../domain/useCases/EncodeImage.ts';
import type { GetSummary } from '../../domain/useCases/GetSummary.ts';
import type { StartSession } from '../../domain/useCases/StartSession.ts';
import type { VerifySession } from '../../domain/useCases/VerifySession.ts';
import { hashApiKey, isWellFormedKey } from '../../domain/hashing.ts';
import type { Limit } from '../limits/Limit.ts';
import { clientAddressOf, type TrustedProxies } from './clientAddress.ts';
import { whileClientWaits } from './clientGone.ts';
import { limitFailedAuthentication } from './failedAuthentication.ts';
import { imageJsonMemo, summaryJsonMemo } from './imageJson.ts';
import { openApiDocument } from './openapi.ts';
import { personPage } from './personPage.ts';
import { rateLimit } from './rateLimit.ts';
import { problemDetails, sendProblem } from './problem.ts';
import { requestLog } from './requestLog.ts';
import { type RequestObserver, requestMetrics } from './requestMetrics.ts';
import { uploadReceiver } from './receiveUpload.ts';
import type { UploadsInFlight } from './uploadsInFlight.ts';
import { apiKeyHeaders } from './schemas.ts';
import { securityHeaders } from './securityHeaders.ts';
import { swaggerUi } from './swaggerUi.ts';

export interface HttpRateLimits {
  readonly sessionsPerAddress?: Limit;
  readonly requestsPerKey?: Limit;
  readonly unauthorizedPerAddress?: Limit;
}

export interface HttpAppDeps {
  readonly authenticate: Authenticate;
  readonly startSession: StartSession;
  readonly encodeImage: EncodeImage;
  readonly getSummary: GetSummary;
  readonly verifySession: VerifySession;
  readonly clearSession: ClearSession;
  /** Each resolves when its dependency answers, to `degraded` when it answers for part of its work. */
  readonly readinessChecks: Readonly<Record<string, () => Promise<'degraded' | undefined | void>>>;
  readonly rateLimits: HttpRateLimits;
  readonly isDraining: () => boolean;
  readonly trustedProxies: TrustedProxies;
  readonly logger: Logger;
  readonly limits: { sessionImageLimit: number; maxFaces: number; maxUploadBytes: number };
  readonly uploads: UploadsInFlight;
  readonly observer: RequestObserver;
}

const READY_CHECK_TIMEOUT_MS = 2000;

export function createApp(deps: HttpAppDeps): Koa {
  // Koa's own proxy handling trusts every X-Forwarded-For: clientAddress reads it instead.
  const app = new Koa();
  const clientAddress = clientAddressOf(deps.trustedProxies);
  const router = new Router();
  const apiKey = (ctx: Koa.Context) => apiKeyHeaders.parse(ctx.headers);
  const openApi = openApiDocument(deps.limits);
  const receiveUpload = uploadReceiver(deps.limits.maxUploadBytes);
  const imageJson = imageJsonMemo();
  const summaryJson = summaryJsonMemo(imageJson);

  router.get('/ping', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/ready', async (ctx) => {
    if (deps.isDraining()) return sendProblem(ctx, 'not_ready', 'Shutting down.', { checks: { shutdown: 'draining' } });
    const checks = await runChecks(deps.readinessChecks, deps.logger);
    if (Object.values(checks).every((result) => result !== 'failed')) {
      // Degraded is still ready: what is missing is missing for every instance alike (docs/operations.md).
      ctx.body = { status: Object.values(checks).includes('degraded') ? 'degraded' : 'ready', checks };
    } else {
      const failed = Object.keys(checks).filter((name) => checks[name] !== 'ok');
      sendProblem(ctx, 'not_ready', `Not ready: ${failed.join(', ')} failed.`, { checks });
    }
  });

  const startSession = (status: number) => async (ctx: Koa.Context) => {
    ctx.body = await deps.startSession.execute();
    ctx.status = status;
    deps.observer.sessionStarted();
  };
  const { sessionsPerAddress, requestsPerKey, unauthorizedPerAddress } = deps.rateLimits;
  const sessionsLimit = sessionsPerAddress ? [rateLimit(sessionsPerAddress, (ctx) => clientAddress(ctx.req))] : [];
  router.get('/session', ...sessionsLimit, startSession(200));
  router.post('/session', ...sessionsLimit, startSession(201));

  const keyed = unauthorizedPerAddress ? [limitFailedAuthentication(unauthorizedPerAddress, clientAddress)] : [];

  router.delete('/session', ...keyed, async (ctx) => {
    await deps.clearSession.execute({ key: apiKey(ctx) });
    ctx.status = 204;
  });

  router.post('/encode', ...keyed, async (ctx) => {
    // Before the body is read: a refused key gets its 401 while the client still sends, and none of the body is buffered.
    const key = apiKey(ctx);
    const keyHash = await deps.authenticate.execute({ key });
    const caller = clientAddress(ctx.req);
    const leave = deps.uploads.enter(keyHash, caller, uploadBytesOf(ctx, deps.limits.maxUploadBytes));
    try {
      const image = await receiveUpload(ctx);
      if (!image) throw new Failure('missing_file', 'Send the image as multipart/form-data in a part named "file".');
      const encoded = await whileClientWaits(ctx, (signal) => deps.encodeImage.execute({ key, image, caller, signal }));
      if (!encoded) return;
      ctx.type = 'application/json';
      ctx.body = imageJson(encoded);
    } finally {
      leave();
    }
  });

  router.get('/summary', ...keyed, async (ctx) => {
    const images = await deps.getSummary.execute({ key: apiKey(ctx) });
    ctx.type = 'application/json';
    ctx.body = summaryJson(images);
  });

  router.get('/verification', ...keyed, async (ctx) => {
    const asked = ctx.query.false_match_rate;
    const falseMatchRate = asked === undefined ? undefined : typeof asked === 'string' && asked.trim() !== '' ? Number(asked) : Number.NaN;
    ctx.body = await deps.verifySession.execute({ key: apiKey(ctx), ...(falseMatchRate !== undefined && { falseMatchRate }) });
  });

  router.get('/openapi.json', (ctx) => {
    ctx.body = openApi;
  });

  app.use(requestMetrics(deps.observer));
  app.use(requestLog(deps.logger));
  app.use(securityHeaders);
  app.use(async function closeConnectionsWhileDraining(ctx, next) {
    await next();
    if (deps.isDraining()) ctx.set('Connection', 'close');
  });
  app.use(problemDetails);
  app.use(swaggerUi());
  app.use(personPage(deps.limits));
  if (requestsPerKey) {
    // Counted by key hash, so the limiter's store never holds a key either.
    app.use(rateLimit(requestsPerKey, (ctx) => {
      const key = apiKey(ctx);
      return key !== undefined && isWellFormedKey(key) ? hashApiKey(key) : undefined;
    }));
  }
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (error: unknown, ctx?: Koa.Context) => {
    deps.logger.error({ err: error, reqId: ctx?.state.requestId }, 'unexpected error');
  });
  return app;
}

async function runChecks(checks: HttpAppDeps['readinessChecks'], logger: Logger): Promise<Record<string, string>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        const outcome = await Promise.race([
          check(),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error(`no answer in ${READY_CHECK_TIMEOUT_MS} ms`)), READY_CHECK_TIMEOUT_MS).unref(),
          ),
        ]);
        // Load balancers poll this every few seconds: the metrics carry the outage, not a log line per poll.
        if (outcome === 'degraded') logger.debug({ check: name }, 'readiness check degraded: part of it does not answer');
        return [name, outcome === 'degraded' ? 'degraded' : 'ok'] as const;
      } catch (error) {
        logger.warn({ err: error, check: name }, 'readiness check failed');
        return [name, 'failed'] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

function uploadBytesOf(ctx: Koa.Context, maxUploadBytes: number): number {
  const most = maxUploadBytes + MULTIPART_OVERHEAD_BYTES;
  const length = Number(ctx.get('content-length'));
  return Number.isSafeInteger(length) && length >= 0 ? Math.min(length, most) : most;
}
