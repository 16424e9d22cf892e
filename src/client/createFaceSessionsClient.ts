import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './openapi.ts';

export type { components, operations, paths } from './openapi.ts';
export type FaceSessionsClient = Client<paths>;

export interface FaceSessionsClientOptions {
  /** Where the service is, e.g. http://localhost:8001. */
  readonly baseUrl: string;
  /** The session's API key (from POST /session), sent with every request. */
  readonly key?: string;
  /** Another fetch, for tests or proxies; the global one by default. */
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * The package's `./client` entry: openapi-fetch typed by the types openapi-typescript
 * generates from docs/openapi.json (`npm run openapi`). Paths, bodies, answers and
 * problem codes are all checked by the compiler; nothing here is written by hand but
 * the key header and the upload form.
 */
export function createFaceSessionsClient(options: FaceSessionsClientOptions): FaceSessionsClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    // The API's only request body is /encode's upload, so every body goes as a multipart form.
    bodySerializer: multipartForm,
    ...(options.fetch && { fetch: options.fetch }),
  });
  if (options.key !== undefined) client.use(sendKey(options.key));
  return client;
}

/** The body the generated types allow: `{ file: Blob }`. */
function multipartForm(body: unknown): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(body as Record<string, Blob | string>)) form.append(name, value);
  return form;
}

function sendKey(key: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set('key', key);
    },
  };
}
