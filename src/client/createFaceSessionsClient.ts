import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './openapi.ts';

export type { components, operations, paths } from './openapi.ts';
export type FaceSessionsClient = Client<paths>;

export interface FaceSessionsClientOptions {
  readonly baseUrl: string;
  /** The session's API key (from POST /session). */
  readonly key?: string;
  readonly fetch?: typeof globalThis.fetch;
}

/** The package's `./client` entry: openapi-fetch typed from docs/openapi.json (`npm run openapi`). */
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
