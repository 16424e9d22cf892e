import type { Context, Middleware } from 'koa';
import { isFailure } from '../../domain/Failure.ts';
import type { ProblemCode } from './schemas.ts';

const statusByCode: Record<ProblemCode, number> = {
  missing_file: 400,
  invalid_image: 400,
  no_face: 400,
  too_many_faces: 400,
  invalid_parameter: 400,
  false_match_rate_unsupported: 400,
  unauthorized: 401,
  session_full: 403,
  not_found: 404,
  method_not_allowed: 405,
  bad_request: 400,
  file_too_large: 413,
  headers_too_large: 431,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  encoder_bad_response: 502,
  encoder_unavailable: 503,
  storage_unavailable: 503,
  not_ready: 503,
  encoder_timeout: 504,
};

const titleByCode: Record<ProblemCode, string> = {
  missing_file: 'No file uploaded',
  invalid_image: 'Not a decodable image',
  no_face: 'No face found',
  too_many_faces: 'Too many faces',
  invalid_parameter: 'Invalid query parameter',
  false_match_rate_unsupported: 'False match rate too small for the measurements',
  unauthorized: 'Missing or unknown API key',
  session_full: 'Session is full',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  bad_request: 'Malformed HTTP request',
  headers_too_large: 'Request headers too large',
  file_too_large: 'File too large',
  unsupported_media_type: 'Unsupported image format',
  rate_limited: 'Too many requests',
  internal_error: 'Internal error',
  encoder_bad_response: 'Face encoder answered badly',
  encoder_unavailable: 'Face encoder unavailable',
  storage_unavailable: 'Storage unavailable',
  not_ready: 'Not ready',
  encoder_timeout: 'Face encoder timed out',
};

export function sendProblem(
  ctx: Context,
  code: ProblemCode,
  detail: string,
  extra: Record<string, unknown> = {},
): void {
  const status = statusByCode[code];
  ctx.status = status;
  ctx.state.problemCode = code;
  ctx.type = 'application/problem+json';
  ctx.body = { type: `urn:face-sessions:problem:${code}`, title: titleByCode[code], status, detail, code, request_id: ctx.state.requestId, ...extra };
}

/** The one place errors become responses: anything not a Failure is logged and answered a bare 500, with no internals. */
export const problemDetails: Middleware = async function problemDetails(ctx, next) {
  try {
    await next();
    // The router leaves these without a body.
    if (ctx.body === undefined || ctx.body === null) {
      if (ctx.status === 404) sendProblem(ctx, 'not_found', `No endpoint at ${ctx.path}.`);
      if (ctx.status === 405 || ctx.status === 501) {
        sendProblem(ctx, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}.`);
      }
    }
  } catch (error) {
    if (isFailure(error)) {
      // For the request log only: the cause must not reach the client.
      if (error.cause !== undefined) ctx.state.problemCause = error.cause;
      if (error.retryAfterSeconds !== undefined) ctx.set('Retry-After', String(error.retryAfterSeconds));
      sendProblem(ctx, error.code, error.message);
    } else {
      ctx.app.emit('error', error, ctx);
      sendProblem(ctx, 'internal_error', 'Something went wrong on our side; the request id identifies it in our logs.');
    }
  }
};
