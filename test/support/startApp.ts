import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { Writable } from 'node:stream';
import { createHttpServer } from '../../src/adapters/http/httpServer.ts';
import { compose } from '../../src/app/compose.ts';
import { loadConfig } from '../../src/app/config.ts';
import { createFaceSessionsClient, type FaceSessionsClient } from '../../src/client/createFaceSessionsClient.ts';
import { createLogger } from '../../src/app/logger.ts';
import { checkAnswers } from './checkAnswers.ts';
import { TEST_SEAL_SECRET } from './sealing.ts';

export interface RunningApp {
  readonly url: string;
  /** Where /metrics is served (its own server, on an ephemeral port, as METRICS_PORT=0 would). */
  readonly metricsUrl: string;
  /** Every log line the app wrote, as raw JSON text. */
  readonly logs: string[];
  /** What SIGTERM does first: /ready goes 503. */
  drain(): void;
  close(): Promise<void>;
}

/** The real composition root on an ephemeral port, with its logs captured. */
export async function startApp(env: Record<string, string> = {}): Promise<RunningApp> {
  // Tests start many sessions, send many bad keys and encode many photos from one address;
  // the tests of those limits set their own.
  const perAddressLimitsOff = {
    RATE_LIMIT_SESSIONS_PER_MINUTE: '0',
    RATE_LIMIT_UNAUTHORIZED_PER_MINUTE: '0',
    RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR: '0',
    RATE_LIMIT_ENCODES_PER_ADDRESS_PER_HOUR: '0',
    MAX_UPLOADS_IN_FLIGHT_PER_ADDRESS: '0',
  };
  const config = loadConfig({ STORAGE: 'memory', ...perAddressLimitsOff, SEAL_SECRET: TEST_SEAL_SECRET, ...env });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const composed = compose(config, createLogger('info', sink));
  const answers = checkAnswers();
  composed.app.middleware.unshift(answers.middleware);
  const server = await listen(composed.app);
  const metricsServer = await listen(composed.metricsApp!);
  const url = urlOf(server);
  answers.use((await (await fetch(`${url}/openapi.json`)).json()) as object);
  await storageAnswers(url);
  return {
    url,
    metricsUrl: urlOf(metricsServer),
    logs,
    drain: () => composed.drain(),
    async close() {
      await Promise.all([server, metricsServer].map((open) => new Promise((resolve) => open.close(resolve))));
      await composed.close();
    },
  };
}

async function listen(app: Koa): Promise<Server> {
  const server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server;
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A new session's key, started through the typed client. */
export async function newSession(url: string): Promise<string> {
  const { data, error } = await createFaceSessionsClient({ baseUrl: url }).POST('/session');
  if (error) throw new Error(`no session: ${error.code}`);
  return data.key;
}

/** POST /encode through the typed client. */
export function encode(client: FaceSessionsClient, bytes: Uint8Array) {
  return client.POST('/encode', { body: { file: new Blob([bytes]) } });
}

/** POST /encode with fetch, for tests about the upload itself (a file name, odd headers) or the raw Response. */

export function upload(url: string, key: string | undefined, bytes: Uint8Array, filename = 'photo.jpg'): Promise<Response> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), filename);
  return fetch(`${url}/encode`, { method: 'POST', body: form, headers: key === undefined ? {} : { key } });
}

/** Redis connects in the background; tests start once storage and cache answer (the model may still load). */
async function storageAnswers(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { checks } = (await (await fetch(`${url}/ready`)).json()) as { checks?: Record<string, string> };
    if (checks?.storage === 'ok' && checks.cache === 'ok') return;
    if (Date.now() > deadline) throw new Error(`storage never answered: ${JSON.stringify(checks)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
