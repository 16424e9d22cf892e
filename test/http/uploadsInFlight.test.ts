import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { newSession, type RunningApp, startApp, upload } from '../support/startApp.ts';

const MiB = 1024 * 1024;

/**
 * An upload that stalls: its headers (declaring `bytes` of body) and its first 16 KiB,
 * then nothing, as a client that opened many uploads and stopped sending would.
 * Resolves with the socket, and with the status line's code should the server answer.
 */
function stalledUpload(url: string, headers: Record<string, string>, bytes = 9 * MiB): { socket: Socket; answer: Promise<number> } {
  const { hostname, port } = new URL(url);
  const boundary = 'stalledBoundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const lines = [
    'POST /encode HTTP/1.1',
    `Host: ${hostname}:${port}`,
    `Content-Type: multipart/form-data; boundary=${boundary}`,
    `Content-Length: ${bytes}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  const socket = connect(Number(port), hostname);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  socket.write(Buffer.concat([head, Buffer.alloc(16 * 1024 - head.length, 0xff)]));
  const answer = new Promise<number>((resolve, reject) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (status) resolve(Number(status[1]));
    });
    socket.once('error', reject);
  });
  answer.catch(() => undefined);
  open.push(socket);
  return { socket, answer };
}

const open: Socket[] = [];
afterEach(() => {
  for (const socket of open.splice(0)) socket.destroy();
});

async function gauge(app: RunningApp, name: string): Promise<number> {
  const text = await (await fetch(`${app.metricsUrl}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A refusal that came at once, with a Retry-After, as problem+json. */
async function expectRefused(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(await response.json()).toMatchObject({ status, code });
}

describe('uploads in flight', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({
      MAX_UPLOADS_IN_FLIGHT_PER_KEY: '2',
      MAX_UPLOADS_IN_FLIGHT_PER_ADDRESS: '3',
      MAX_UPLOAD_BYTES: String(2 * MiB),
      MAX_UPLOAD_BUFFER_BYTES: String(5 * MiB),
      TRUST_PROXY: 'loopback',
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('are capped per key: a key with two stalled uploads gets 429 for a third at once, and uploads again once they end', async () => {
    const key = await newSession(app.url);
    const from = { key, 'x-forwarded-for': '198.51.100.1' };
    for (let i = 0; i < 2; i++) stalledUpload(app.url, from, MiB);
    await until(async () => (await gauge(app, 'face_sessions_uploads_in_flight')) === 2);
    await expectRefused(await upload(app.url, key, fixture('one-face-soccer.jpg')), 429, 'rate_limited');
    expect(await gauge(app, 'face_sessions_rate_limited_total\\{limit="uploads_per_key"\\}')).toBe(1);
    for (const socket of open.splice(0)) socket.destroy();
    await until(async () => (await gauge(app, 'face_sessions_uploads_in_flight')) === 0);
    expect((await upload(app.url, key, fixture('one-face-soccer.jpg'))).status).toBe(200);
  });

  it('are capped per client address over all its keys, and another address is not held up', async () => {
    for (let i = 0; i < 3; i++) stalledUpload(app.url, { key: await newSession(app.url), 'x-forwarded-for': '198.51.100.2' }, MiB);
    await until(async () => (await gauge(app, 'face_sessions_uploads_in_flight')) === 3);
    const form = () => {
      const body = new FormData();
      body.append('file', new Blob([fixture('one-face-soccer.jpg')]), 'photo.jpg');
      return body;
    };
    const post = async (address: string) =>
      fetch(`${app.url}/encode`, { method: 'POST', body: form(), headers: { key: await newSession(app.url), 'x-forwarded-for': address } });
    await expectRefused(await post('198.51.100.2'), 429, 'rate_limited');
    expect((await post('198.51.100.3')).status).toBe(200);
  });

  it("hold no more than the process's byte budget, reserved before the bodies arrive: past it, 503 at once", async () => {
    // 2 MiB declared twice (4 MiB reserved of 5): a third of 2 MiB does not fit; a small photo does.
    for (const address of ['198.51.100.4', '198.51.100.5']) stalledUpload(app.url, { key: await newSession(app.url), 'x-forwarded-for': address }, 2 * MiB);
    await until(async () => (await gauge(app, 'face_sessions_upload_bytes_held')) >= 4 * MiB);
    const third = stalledUpload(app.url, { key: await newSession(app.url), 'x-forwarded-for': '198.51.100.6' }, 2 * MiB);
    expect(await third.answer).toBe(503);
    expect((await upload(app.url, await newSession(app.url), fixture('one-face-soccer.jpg'))).status).toBe(200);
    for (const socket of open.splice(0)) socket.destroy();
    await until(async () => (await gauge(app, 'face_sessions_upload_bytes_held')) === 0);
  });
});
