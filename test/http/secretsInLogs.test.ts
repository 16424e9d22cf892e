import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../support/fixtures.ts';
import { freePort } from '../support/redis.ts';
import { newSession, startApp, upload } from '../support/startApp.ts';

// The review's finding: with credentials in ENCODER_URL, every encoder failure logged
// got's options (the URL with its password, the headers, the first bytes of the body).
const PASSWORD = 'hunter2-in-the-url';
const QUERY_TOKEN = 'query-token-in-the-url';
const ENCODER_TOKEN = 'encoder-token-sent-as-bearer';
const photo = fixture('one-face-soccer.jpg');

/** An encoder answering every POST with `reply`; its URL carries a user, a password and a query token. */
async function encoderThat(reply: (response: http.ServerResponse) => void) {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => (request.method === 'POST' ? reply(response) : response.end()));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const secretUrl = (port: number) => `http://face:${PASSWORD}@127.0.0.1:${port}/v1/selfie?token=${QUERY_TOKEN}`;

const servers: http.Server[] = [];
afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

describe('the log of an API whose encoder fails', () => {
  let refusedPort: number;
  beforeAll(async () => {
    refusedPort = await freePort();
  });

  it.each([
    ['refuses connections', async () => refusedPort],
    ['answers 500', async () => track(await encoderThat((r) => r.writeHead(500).end('boom')))],
    ['answers garbage', async () => track(await encoderThat((r) => r.writeHead(200).end('{not json')))],
    ['stays silent', async () => track(await encoderThat(() => undefined))],
    ['keeps answering 503', async () => track(await encoderThat((r) => r.writeHead(503).end()))],
  ])('holds no password, token, image byte or API key when the encoder %s', async (_, portOf) => {
    const port = await portOf();
    const app = await startApp({ ENCODER_URL: secretUrl(port), ENCODER_TOKEN, ENCODER_TIMEOUT_MS: '300' });
    let key: string;
    try {
      key = await newSession(app.url);
      const response = await upload(app.url, key, photo);
      expect(response.status).toBeGreaterThanOrEqual(500);
      // The readiness probe logs why the encoder failed, too.
      await fetch(`${app.url}/ready`);
    } finally {
      await app.close();
    }
    const log = app.logs.join('');
    // The failure was logged, with its cause: there is something to search.
    expect(log).toMatch(/"msg":"request failed"/);
    const basicAuth = Buffer.from(`face:${PASSWORD}`).toString('base64');
    for (const secret of [PASSWORD, basicAuth, QUERY_TOKEN, ENCODER_TOKEN, key]) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/"(options|request|response|headers|body|timings)":/);
    // The JPEG's first bytes, as a Buffer, an array or base64 would show them.
    expect(log).not.toMatch(/255,216,255|\/9j\/|ffd8ff/i);
  });
});

function track(encoder: { server: http.Server; port: number }): number {
  servers.push(encoder.server);
  return encoder.port;
}
