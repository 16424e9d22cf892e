import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { newSession, type RunningApp, startApp, upload } from '../support/startApp.ts';

const MiB = 1024 * 1024;

/**
 * Starts a 9 MiB multipart upload on a raw socket, sends its first 64 KiB, and then
 * nothing more until the server answers: an answer proves the server did not wait for
 * (let alone buffer) the rest of the body. Resolves with the status line's code.
 */
function startLargeUpload(url: string, headers: Record<string, string>): Promise<{ status: number; sent: number }> {
  const { hostname, port } = new URL(url);
  const boundary = 'earlyAnswerBoundary';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
  const lines = [
    'POST /encode HTTP/1.1',
    `Host: ${hostname}:${port}`,
    `Content-Type: multipart/form-data; boundary=${boundary}`,
    `Content-Length: ${9 * MiB}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const first = Buffer.concat([head, Buffer.alloc(64 * 1024 - head.length, 0xff)]);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    socket.write(first);
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (status) {
        socket.destroy();
        resolve({ status: Number(status[1]), sent: first.length });
      }
    });
    socket.once('error', reject);
    setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer before the body was sent: the server waited for it'));
    }, 10_000).unref();
  });
}

/**
 * Sends an upload's headers with `Expect: 100-continue` and holds its body back, as curl
 * does for bodies over 1 MiB, until the server answers; then, on 100 Continue, the body.
 * Resolves with every status line the server sent, in order.
 */
function expectContinue(url: string, headers: Record<string, string>, body: Buffer): Promise<number[]> {
  const { hostname, port } = new URL(url);
  const boundary = 'continueBoundary';
  const multipart = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
    body,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const lines = [
    'POST /encode HTTP/1.1',
    `Host: ${hostname}:${port}`,
    `Content-Type: multipart/form-data; boundary=${boundary}`,
    `Content-Length: ${multipart.length}`,
    'Expect: 100-continue',
    'Connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    let answer = '';
    const statuses = () => [...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => Number(match[1]));
    socket.on('data', (chunk: Buffer) => {
      const before = statuses();
      answer += chunk.toString('latin1');
      if (before.length === 0 && statuses()[0] === 100) socket.write(multipart);
    });
    socket.once('close', () => resolve(statuses()));
    socket.once('error', reject);
  });
}

describe('POST /encode checks the key before it reads the body', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ SESSION_TTL_SECONDS: '1' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['no key', {}],
    ['a malformed key', { key: 'not-a-key' }],
    ['an unknown key', { key: randomUUID() }],
    ['an unknown bearer key', { authorization: `Bearer ${randomUUID()}` }],
  ])('answers 401 to a 9 MiB upload with %s while the client is still sending it', async (_, headers) => {
    expect(await startLargeUpload(app.url, headers)).toEqual({ status: 401, sent: 64 * 1024 });
  });

  it('answers Expect: 100-continue with 401 and no 100 Continue when the key is refused, and with 100 Continue when it is good', async () => {
    expect(await expectContinue(app.url, { key: randomUUID() }, Buffer.alloc(2 * MiB, 0xff))).toEqual([401]);
    expect(await expectContinue(app.url, {}, Buffer.alloc(2 * MiB, 0xff))).toEqual([401]);
    const key = await newSession(app.url);
    expect(await expectContinue(app.url, { key }, fixture('one-face-soccer.jpg'))).toEqual([100, 200]);
  });

  it('answers 401 to an upload with the key of a session that expired, before its body', async () => {
    const key = await newSession(app.url);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await startLargeUpload(app.url, { key })).toMatchObject({ status: 401 });
  });

  it('still takes uploads with a live key, and a client that sends a whole body with a bad key gets its 401', async () => {
    const key = await newSession(app.url);
    expect((await upload(app.url, key, fixture('one-face-soccer.jpg'))).status).toBe(200);
    const refused = await upload(app.url, randomUUID(), Buffer.alloc(3 * MiB, 0xff));
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'unauthorized' });
  });
});

describe('requests with refused keys, per client address', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ RATE_LIMIT_UNAUTHORIZED_PER_MINUTE: '3', TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const from = (address: string, key: string) => ({ 'x-forwarded-for': address, key });

  it('are limited on every keyed route: past the limit, the address gets 429 without its keys being looked at', async () => {
    const guesser = '198.51.100.7';
    for (let i = 0; i < 3; i++) expect((await fetch(`${app.url}/summary`, { headers: from(guesser, randomUUID()) })).status).toBe(401);
    const refused = await fetch(`${app.url}/verification`, { headers: from(guesser, randomUUID()) });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: 'rate_limited' });
    // Blocked for the rest of the minute, a good key included: guesses from there are not tried.
    const good = await newSession(app.url);
    expect((await fetch(`${app.url}/summary`, { headers: from(guesser, good) })).status).toBe(429);
    expect((await fetch(`${app.url}/session`, { method: 'DELETE', headers: from(guesser, good) })).status).toBe(429);
    expect(await startLargeUpload(app.url, from(guesser, good))).toMatchObject({ status: 429 });

    // Another client is not affected, and a good key never costs a point.
    for (let i = 0; i < 5; i++) expect((await fetch(`${app.url}/summary`, { headers: from('198.51.100.8', good) })).status).toBe(200);
    expect((await fetch(`${app.url}/summary`, { headers: from('198.51.100.8', randomUUID()) })).status).toBe(401);
    const metrics = await (await fetch(`${app.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^face_sessions_rate_limited_total\{limit="unauthorized_per_address"\} 4$/m);
  });
});
