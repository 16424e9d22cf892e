import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { Failure, isFailure, type FailureCode } from '../../domain/Failure.ts';
import type { FaceEncoder } from '../../ports/FaceEncoder.ts';
import { ENGINE_HEADER, OWNER_HEADER } from '../encoder/HttpFaceEncoder.ts';
import { requireBearerToken } from './bearerToken.ts';
import { whileClientWaits } from './clientGone.ts';
import { uploadReceiver } from './receiveUpload.ts';
import { requestLog } from './requestLog.ts';

export interface EncoderAppDeps {
  readonly encoder: FaceEncoder;
  readonly maxFaces: number;
  readonly maxUploadBytes: number;
  readonly logger: Logger;
  readonly token?: string;
}

/** The original encoder's contract (SPEC.md): errors keep its `{"detail"}` body for its clients; only the 401 it never gave is problem+json. */
export function createEncoderApp(deps: EncoderAppDeps): Koa {
  const app = new Koa();
  const router = new Router();
  const receiveUpload = uploadReceiver(deps.maxUploadBytes);

  router.get('/ping', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  // For compose's healthcheck: 503 at once while the networks load.
  router.get('/ready', async (ctx) => {
    const loading = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Failure('encoder_unavailable', 'The face model is still loading.')), READY_WAIT_MS).unref();
    });
    await Promise.race([deps.encoder.ping(), loading]);
    ctx.body = { status: 'ready' };
  });

  const tokenCheck = deps.token === undefined ? [] : [requireBearerToken(deps.token)];
  router.post('/v1/selfie', ...tokenCheck, async (ctx) => {
    const image = await receiveUpload(ctx);
    if (!image) return reply(ctx, 422, 'A non-empty multipart part named "file" is required.');
    const owner = ctx.get(OWNER_HEADER);
    // The API gives up on a call when its own client leaves: the upload leaves the queue.
    const faces = await whileClientWaits(ctx, (signal) => deps.encoder.encode(image, { signal, ...(OWNER.test(owner) && { owner }) }));
    if (!faces) return;
    if (faces.length > deps.maxFaces) return reply(ctx, 400, `More than ${deps.maxFaces} faces in the image.`);
    // Beside the original's body, which has no room for it: the engine that made the encodings.
    const engine = faces.find((face) => face.engine !== undefined)?.engine;
    if (engine !== undefined) ctx.set(ENGINE_HEADER, engine);
    ctx.body = faces.map((face) => face.encoding);
  });

  app.use(requestLog(deps.logger));
  app.use(async function failuresAsDetail(ctx, next) {
    try {
      await next();
    } catch (error) {
      if (!isFailure(error)) {
        ctx.app.emit('error', error, ctx);
        return reply(ctx, 500, 'Internal error.');
      }
      if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(error.retryAfterSeconds));
      reply(ctx, statusByCode[error.code] ?? 500, error.message);
    }
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (error: unknown, ctx?: Koa.Context) => {
    deps.logger.error({ err: error, reqId: ctx?.state.requestId }, 'unexpected error');
  });
  return app;
}

const READY_WAIT_MS = 500;

/** What HttpFaceEncoder sends as the owner: a base64url SHA-256. */
const OWNER = /^[\w-]{1,64}$/;

const statusByCode: Partial<Record<FailureCode, number>> = {
  missing_file: 422,
  invalid_image: 422,
  too_many_faces: 400,
  file_too_large: 413,
  unsupported_media_type: 415,
  encoder_unavailable: 503,
  encoder_timeout: 503,
};

function reply(ctx: Koa.Context, status: number, detail: string): void {
  ctx.status = status;
  ctx.body = { detail };
}
