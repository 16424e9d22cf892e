import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { freePort } from '../support/redis.ts';
import { entryPoints } from '../support/spawnService.ts';

// The real entry point with WEB_CONCURRENCY=2: a primary (the face engine, shared
// counts, the metrics sum) and two HTTP workers on one port.
let child: ChildProcess;
let url: string;
let metricsUrl: string;
const logs: Record<string, unknown>[] = [];
/** A session for the last tests, started before the rate-limit test uses up the minute. */
let drainKey: string;
/** A 7071x7071 lossless WebP: a few KB, ~0.3 s of decoding. */
let bomb: Buffer;

/** One request on a connection of its own, so the kernel spreads them over the workers. */
function call(method: string, path: string, options: { key?: string; body?: Buffer } = {}): Promise<{ status: number; body: string }> {
  const boundary = 'multiProcessBoundary';
  const body = options.body && Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo"\r\n\r\n`),
    options.body,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const headers: Record<string, string> = { ...(options.key && { key: options.key }), ...(body && { 'content-type': `multipart/form-data; boundary=${boundary}` }) };
  return new Promise((resolve, reject) => {
    const sent = request(url + path, { method, agent: false, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    sent.once('error', reject);
    sent.end(body);
  });
}

const newKey = async () => (JSON.parse((await call('POST', '/session')).body) as { key: string }).key;
const linesWith = (message: string) => logs.filter((line) => line.msg === message);

const dataDir = mkdtempSync(join(tmpdir(), 'faces-multi-'));
const secretFile = join(dataDir, 'secrets', 'seal.key');

beforeAll(async () => {
  const [port, metricsPort] = [await freePort(), await freePort()];
  url = `http://127.0.0.1:${port}`;
  metricsUrl = `http://127.0.0.1:${metricsPort}`;
  // No secret given: the embedded default, a file the primary creates before it forks.
  const { SEAL_SECRET: _given, ...environment } = process.env;
  child = spawn(process.execPath, [entryPoints.api], {
    env: {
      ...environment,
      PORT: String(port),
      HOST: '127.0.0.1',
      METRICS_PORT: String(metricsPort),
      WEB_CONCURRENCY: '2',
      STORAGE: 'sqlite',
      SQLITE_PATH: join(dataDir, 'faces.db'),
      SEAL_SECRET_FILE: secretFile,
      SESSION_TTL_SECONDS: '2',
      RATE_LIMIT_SESSIONS_PER_MINUTE: '8',
      ENCODER_THREADS: '1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout! }).on('line', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const deadline = Date.now() + 30_000;
  while (linesWith('face-sessions listening').length < 2 || (await call('GET', '/ready').catch(() => ({ status: 0 }))).status !== 200) {
    if (Date.now() > deadline) throw new Error('the instance never got ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Made before the session: making it takes longer than the session's TTL on a busy machine.
  bomb = await sharp({ create: { width: 7071, height: 7071, channels: 3, background: '#000000' } }).webp({ lossless: true }).toBuffer();
  drainKey = await newKey();
});

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

describe('WEB_CONCURRENCY=2', () => {
  it('serves HTTP from both workers, and encodes through the primary', async () => {
    for (let i = 0; i < 12; i++) expect((await call('GET', '/ping')).status).toBe(200);
    const pings = logs.filter((line) => line.msg === 'request' && line.path === '/ping');
    expect(new Set(pings.map((line) => line.worker)).size).toBe(2);

    const key = await newKey();
    for (const name of ['one-face-soccer.jpg', 'one-face-basketball-1.png']) {
      expect((await call('POST', '/encode', { key, body: fixture(name) })).status).toBe(200);
    }
    const summary = JSON.parse((await call('GET', '/summary', { key })).body) as { image_encodings: unknown[] };
    expect(summary.image_encodings).toHaveLength(2);
  });

  it('creates the sealing secret once, in the primary, and every worker seals with it', async () => {
    const created = linesWith('created a new sealing secret: back this file up apart from the data; without it nothing stored can be opened');
    expect(created).toHaveLength(1);
    expect(created[0]).not.toHaveProperty('worker');
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    // Sealed by whichever worker took the upload, opened by whichever takes each summary.
    expect((await call('POST', '/encode', { key: drainKey, body: fixture('one-face-soccer.jpg') })).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      const summary = JSON.parse((await call('GET', '/summary', { key: drainKey })).body) as { image_encodings: unknown[] };
      expect(summary.image_encodings).toHaveLength(1);
    }
  });

  it('shares the rate limits between the workers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call('POST', '/session')).status);
    // Two sessions were started before: 8 a minute in all, over both workers.
    expect(statuses.filter((status) => status === 201)).toHaveLength(6);
    expect(statuses.at(-1)).toBe(429);
  });

  it('answers one /metrics scrape for the whole instance on METRICS_PORT: every worker and the engine', async () => {
    expect((await call('GET', '/metrics')).status).toBe(404);
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    const sample = (series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.slice(series.length + 1));
    expect(sample('face_sessions_sessions_started_total')).toBe(8);
    expect(sample('face_sessions_http_request_duration_seconds_count{method="GET",route="/ping",status="200"}')).toBe(12);
    expect(sample('face_sessions_encode_duration_seconds_count')).toBe(3);
  });

  it('drops from the primary\'s queue the uploads whose clients hung up', async () => {
    // The last test's session: the minute's sessions are used up, and a bomb takes no slot.
    const key = drainKey;
    const clients = Array.from({ length: 6 }, () => new AbortController());
    const bombs = clients.map((client) => {
      const form = new FormData();
      form.append('file', new Blob([bomb]), 'bomb.webp');
      return fetch(`${url}/encode`, { method: 'POST', body: form, headers: { key }, signal: client.signal }).then((response) => response.status, () => 'hung up');
    });
    const metric = async (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${metricsUrl}/metrics`)).text())?.[1] ?? 0);
    const deadline = Date.now() + 20_000;
    while ((await metric('face_sessions_encoder_queue_depth')) < 3) {
      if (Date.now() > deadline) throw new Error(`the bombs never queued: ${JSON.stringify(await Promise.all(bombs))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const client of clients) client.abort();
    expect(await Promise.all(bombs)).toContain('hung up');
    while ((await metric('face_sessions_encoder_abandoned_total')) < 2) {
      if (Date.now() > deadline) throw new Error('the primary never dropped them');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('sweeps idle sessions from one worker only', async () => {
    // Idle for longer than SESSION_TTL_SECONDS: the session above expires, with its images
    // (the last test's session stays in use, so it lives).
    for (let waited = 0; waited < 3000; waited += 500) {
      expect((await call('GET', '/summary', { key: drainKey })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const sweeps = linesWith('expired idle sessions');
    expect(sweeps.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sweeps.map((line) => line.worker)).size).toBe(1);
  });

  it('replaces an HTTP worker that dies, and keeps serving', async () => {
    const workers = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    expect(workers).toHaveLength(2);
    process.kill(workers[0]!, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while (linesWith('face-sessions listening').length < 3) {
      if (Date.now() > deadline) throw new Error('no worker replaced the dead one');
      // Keeps the last test's session in use: on a busy machine the replacement can take
      // longer than SESSION_TTL_SECONDS. Not awaited: a connection handed to the dying
      // worker may never be answered.
      call('GET', '/summary', { key: drainKey }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(linesWith('an HTTP worker died; starting another')).toHaveLength(1);
    for (let i = 0; i < 6; i++) expect((await call('GET', '/summary', { key: drainKey })).status).toBe(200);
  });

  it('drains every worker on SIGTERM, finishing an encode in flight, and exits 0', async () => {
    const photo = readFileSync(new URL('../fixtures/one-face-basketball-2.png', import.meta.url));
    const inFlight = call('POST', '/encode', { key: drainKey, body: photo });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(linesWith('stopped')).toHaveLength(3);
  });
});
