import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import got, { TimeoutError, type Got, type Response } from 'got';
import { z } from 'zod';
import { Failure } from '../../domain/Failure.ts';
import { ENCODING_LENGTH, type Face } from '../../domain/ImageEncodings.ts';
import type { EncodeOptions, FaceEncoder } from '../../ports/FaceEncoder.ts';

export interface HttpFaceEncoderOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly retries?: number;
  readonly retryBaseDelayMs?: number;
  readonly maxRetryAfterMs?: number;
  readonly token?: string;
}

const responseSchema = z.array(z.array(z.number()).length(ENCODING_LENGTH));
const detailSchema = z.object({ detail: z.string().min(1).max(300) });
const connectionErrors = ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'];
const DEFAULT_RETRY_AFTER_SECONDS = 2;
/** For our encoder service's fair queue (others ignore it): a hash of the owner, so the encoder never sees what storage files sessions under. */
export const OWNER_HEADER = 'x-encode-owner';
/** Our own encoder service names the engine that made its encodings here; others say nothing, and their faces carry no engine. */
export const ENGINE_HEADER = 'x-face-engine';
/** What an engine's name may look like: anything else from the encoder is dropped rather than repeated to API clients. */
const ENGINE_NAME = /^[\w./-]{1,64}$/;
const PING_TIMEOUT_MS = 1500;

/** The seed's "Veriff-compatible" encoder contract (SPEC.md). An aborted signal cancels the call, retries included. */
export class HttpFaceEncoder implements FaceEncoder {
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  readonly #got: Got;

  constructor(options: HttpFaceEncoderOptions) {
    this.#url = options.url;
    this.#timeoutMs = options.timeoutMs;
    const baseDelay = options.retryBaseDelayMs ?? 100;
    this.#got = got.extend({
      agent: this.#agents,
      ...(options.token !== undefined && { headers: { authorization: `Bearer ${options.token}` } }),
      timeout: { request: options.timeoutMs },
      // A redirect would send the photo elsewhere without the token: an encoder failure (502), never followed.
      followRedirect: false,
      throwHttpErrors: false,
      retry: {
        limit: options.retries ?? 2,
        methods: ['POST'],
        statusCodes: [503],
        errorCodes: connectionErrors,
        maxRetryAfter: options.maxRetryAfterMs ?? 1000,
        // got calls this only when a retry is allowed; computedValue is then the server's Retry-After, if it sent one.
        calculateDelay: ({ attemptCount, retryAfter, computedValue }) =>
          retryAfter !== undefined ? computedValue : baseDelay * 2 ** (attemptCount - 1) * (1 + Math.random() / 2),
      },
    });
  }

  async encode(image: Uint8Array, options: EncodeOptions = {}): Promise<Face[]> {
    const { signal, owner } = options;
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(image)]), 'image');
    // Not a FormData to got: got 16 sends it as a web stream, and a refused connection then rejects with ERR_SOCKET_CLOSED_BEFORE_CONNECTION instead of retrying.
    const multipart = new Response(form);
    const body = new Uint8Array(await multipart.arrayBuffer());
    const headers = {
      'content-type': multipart.headers.get('content-type') ?? 'multipart/form-data',
      ...(owner !== undefined && { [OWNER_HEADER]: createHash('sha256').update(owner).digest('base64url') }),
    };
    const response = await this.#send(this.#timeoutMs, () => this.#got.post(this.#url, { body, headers, ...(signal && { signal }) }), signal);

    if (response.statusCode === 400) {
      const detail = detailSchema.safeParse(parseJsonOrUndefined(response.body));
      const message = detail.success ? detail.data.detail : 'The image has more faces than the face encoder accepts.';
      throw new Failure('too_many_faces', message);
    }
    if (response.statusCode === 413) throw new Failure('file_too_large', 'The image is larger than the face encoder accepts.');
    if (response.statusCode === 415) throw new Failure('unsupported_media_type', 'The face encoder does not take this image format.');
    // The contract's 422 means "no file"; a file was sent, so the encoder could not read it as an image.
    if (response.statusCode === 422) throw new Failure('invalid_image', 'The face encoder could not decode the image.');
    if (response.statusCode === 503) {
      throw new Failure('encoder_unavailable', 'The face encoder is overloaded; try again later.', {
        retryAfterSeconds: retryAfterSeconds(response.headers['retry-after']) ?? DEFAULT_RETRY_AFTER_SECONDS,
      });
    }
    if (response.statusCode !== 200) {
      throw new Failure('encoder_bad_response', `The face encoder answered with unexpected status ${response.statusCode}.`);
    }
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch (error) {
      throw new Failure('encoder_bad_response', "The face encoder's answer is not JSON.", { cause: error });
    }
    const parsed = responseSchema.safeParse(json);
    if (!parsed.success) {
      const detail = `The face encoder's answer is not a list of ${ENCODING_LENGTH}-number encodings.`;
      throw new Failure('encoder_bad_response', detail, { cause: parsed.error });
    }
    const engine = response.headers[ENGINE_HEADER];
    return parsed.data.map((encoding) => ({ encoding, ...(typeof engine === 'string' && ENGINE_NAME.test(engine) && { engine }) }));
  }

  async ping(): Promise<void> {
    // The seed's encoder documents no health endpoint, so any HTTP answer from its origin (even a 404) proves it is up.
    const timeoutMs = Math.min(PING_TIMEOUT_MS, this.#timeoutMs);
    const origin = new URL(this.#url).origin;
    await this.#send(timeoutMs, () => this.#got.get(origin, { retry: { limit: 0 }, timeout: { request: timeoutMs } }));
  }

  async close(): Promise<void> {
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }

  async #send(timeoutMs: number, request: () => Promise<Response<string>>, signal?: AbortSignal): Promise<Response<string>> {
    try {
      return await request();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // Messages stay free of the encoder's address: they reach API clients; the cause keeps the details.
      if (error instanceof TimeoutError) {
        throw new Failure('encoder_timeout', `The face encoder did not answer within ${timeoutMs} ms.`, { cause: error });
      }
      throw new Failure('encoder_unavailable', 'The face encoder cannot be reached; try again later.', {
        cause: error,
        retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
      });
    }
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function retryAfterSeconds(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (/^\d+$/.test(header)) return Math.max(1, Number(header));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(1, Math.ceil((date - Date.now()) / 1000));
}
