import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_VERSION } from '../../src/adapters/encoder/engine/FaceEngine.ts';
import { HttpFaceEncoder } from '../../src/adapters/encoder/HttpFaceEncoder.ts';
import { builtInEncoder } from '../support/builtInEncoder.ts';
import { fixture, hasSeedImages, seedImage } from '../support/fixtures.ts';
import { entryPoints, type Spawned, spawnService, stopService } from '../support/spawnService.ts';
import { newSession, type RunningApp, startApp, upload } from '../support/startApp.ts';

// As docker-compose.yml runs them: the encoder service makes the token in a file the API reads.
const TOKEN_FILE = join(mkdtempSync(join(tmpdir(), 'faces-token-')), 'token', 'encoder.token');
let TOKEN: string;
let service: Spawned;
let encoder: HttpFaceEncoder;
beforeAll(async () => {
  // HOST left unset: the encoder service picks its own default.
  service = await spawnService(entryPoints.encoder, { ENCODER_THREADS: '1', HOST: '', ENCODER_TOKEN_FILE: TOKEN_FILE });
  TOKEN = readFileSync(TOKEN_FILE, 'utf8').trim();
  encoder = new HttpFaceEncoder({ url: `${service.url}/v1/selfie`, timeoutMs: 20_000, token: TOKEN });
});
afterAll(async () => {
  await encoder?.close();
  expect(await stopService(service.child)).toBe(0);
});

/** Posts like the API does, with the token unless `token` is null. */
function postFile(bytes: Uint8Array | undefined, token: string | null = TOKEN): Promise<Response> {
  const form = new FormData();
  if (bytes) form.append('file', new Blob([bytes]), 'photo');
  return fetch(`${service.url}/v1/selfie`, { method: 'POST', body: form, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
}

describe('npm run encoder keeps the original encoder contract', () => {
  it('answers 200 with one 128-number array per face, [] for none', async () => {
    const one = await postFile(fixture('one-face-soccer.jpg'));
    expect(one.status).toBe(200);
    const faces = (await one.json()) as number[][];
    expect(faces).toHaveLength(1);
    expect(faces[0]).toHaveLength(128);
    expect(await (await postFile(fixture('no-face-baboon.jpg'))).json()).toEqual([]);
  });

  it('answers 422 without a file and for bytes that are not an image, never 500', async () => {
    expect((await postFile(undefined)).status).toBe(422);
    const text = await postFile(Buffer.from('not an image'));
    expect(text.status).toBe(422);
    expect(await text.json()).toEqual({ detail: expect.any(String) });
  });

  it.skipIf(!hasSeedImages)('answers 400 with a detail for more than 5 faces', async () => {
    const six = await postFile(seedImage('six-faces.jpg'));
    expect(six.status).toBe(400);
    expect(await six.json()).toEqual({ detail: expect.stringContaining('5') });
  });

  it('answers /ping, and /ready once its networks are loaded', async () => {
    expect((await fetch(`${service.url}/ping`)).status).toBe(200);
    expect(await (await fetch(`${service.url}/ready`)).json()).toEqual({ status: 'ready' });
  });
});

describe('npm run encoder is not open to anyone', () => {
  it('listens on loopback unless HOST says otherwise', () => {
    expect(service.listening).toMatchObject({ host: '127.0.0.1', token: true });
  });

  it('makes a random token in ENCODER_TOKEN_FILE when there is none, readable by its owner only', () => {
    expect(TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(TOKEN_FILE).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(service.listening)).not.toContain(TOKEN);
  });

  it('answers 401 problem+json to an upload without ENCODER_TOKEN, or with another', async () => {
    for (const token of [null, 'not-the-token-at-all', `${TOKEN}x`]) {
      const response = await postFile(fixture('one-face-soccer.jpg'), token);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    }
  });
});

describe('HttpFaceEncoder against the real encoder service', () => {
  it('gives exactly the encodings the in-process encoder gives for the same photo, and names the engine that made them', async () => {
    const local = builtInEncoder({ threads: 1 });
    try {
      const photo = fixture('one-face-basketball-1.png');
      const [remote, inProcess] = await Promise.all([encoder.encode(photo), local.encode(photo)]);
      expect(remote.map((face) => face.encoding)).toEqual(inProcess.map((face) => face.encoding));
      expect(remote.map((face) => face.engine)).toEqual([ENGINE_VERSION]);
    } finally {
      await local.close();
    }
  });

  it.skipIf(!hasSeedImages)('maps two faces, six faces and no face', async () => {
    expect(await encoder.encode(seedImage('two-faces.jpg'))).toHaveLength(2);
    await expect(encoder.encode(seedImage('six-faces.jpg'))).rejects.toMatchObject({ code: 'too_many_faces' });
    expect(await encoder.encode(seedImage('no-face-landscape.jpg'))).toEqual([]);
  });

  it('maps an undecodable file to invalid_image', async () => {
    await expect(encoder.encode(Buffer.from('not an image'))).rejects.toMatchObject({ code: 'invalid_image' });
  });
});

describe('the API with ENCODER_URL', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp({ ENCODER_URL: `${service.url}/v1/selfie`, ENCODER_TOKEN_FILE: TOKEN_FILE });
  });
  afterAll(async () => {
    await app.close();
  });

  it('encodes through the remote encoder, says which engine made the encoding, and reports it ready', async () => {
    const key = await newSession(app.url);
    const response = await upload(app.url, key, fixture('one-face-soccer.jpg'));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { faces: unknown[] }).faces).toEqual([{ encoding: expect.any(Array), engine: ENGINE_VERSION }]);
    expect(await (await fetch(`${app.url}/ready`)).json()).toMatchObject({ checks: { encoder: 'ok' } });
  });
});

describe('the API in front of a failing encoder', () => {
  /** An encoder that answers every request with `reply` and counts the encode calls (readiness probes aside). */
  async function faultyEncoder(reply: (response: http.ServerResponse) => void) {
    const state = { calls: 0 };
    const server = http.createServer((request, response) => {
      if (request.method === 'POST') state.calls += 1;
      request.resume();
      request.on('end', () => reply(response));
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/selfie`;
    const close = () => {
      server.closeAllConnections();
      server.close();
    };
    return { state, url, server, close };
  }

  it.each([
    ['a 500', 502, 'encoder_bad_response', (r: http.ServerResponse) => r.writeHead(500).end('boom')],
    ['garbage', 502, 'encoder_bad_response', (r: http.ServerResponse) => r.writeHead(200).end('not json{')],
    ['127 numbers', 502, 'encoder_bad_response', (r: http.ServerResponse) => r.writeHead(200).end(JSON.stringify([Array(127).fill(0.1)]))],
    ['a lasting 503', 503, 'encoder_unavailable', (r: http.ServerResponse) => r.writeHead(503).end()],
    ['silence', 504, 'encoder_timeout', () => {}],
  ])('answers %s with %i %s and takes no slot', async (_, status, code, reply) => {
    const encoderStub = await faultyEncoder(reply);
    const api = await startApp({ ENCODER_URL: encoderStub.url, ENCODER_TIMEOUT_MS: '500' });
    try {
      const key = await newSession(api.url);
      const response = await upload(api.url, key, fixture('one-face-soccer.jpg'));
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ code });
      if (status === 503) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await (await fetch(`${api.url}/summary`, { headers: { key } })).json()).toEqual({ image_encodings: [] });
    } finally {
      await api.close();
      encoderStub.close();
    }
  });

  it('follows no redirect from the encoder: the photo goes nowhere else, and the client gets 502', async () => {
    const elsewhere = await faultyEncoder((r) => r.writeHead(200).end(JSON.stringify([Array(128).fill(0.1)])));
    const redirecting = await faultyEncoder((r) => r.writeHead(307, { location: elsewhere.url }).end());
    const api = await startApp({ ENCODER_URL: redirecting.url });
    try {
      const key = await newSession(api.url);
      const response = await upload(api.url, key, fixture('one-face-soccer.jpg'));
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ code: 'encoder_bad_response' });
      expect(redirecting.state.calls).toBe(1);
      expect(elsewhere.state.calls).toBe(0);
    } finally {
      await api.close();
      for (const stub of [elsewhere, redirecting]) stub.close();
    }
  });

  it('hangs up on the encoder when its own client hangs up, and sends whose upload it is', async () => {
    const seen: { owner: string | undefined; gaveUp: boolean }[] = [];
    const server = http.createServer((request, response) => {
      if (request.method !== 'POST') return response.end();
      const call = { owner: request.headers['x-encode-owner'] as string | undefined, gaveUp: false };
      seen.push(call);
      request.resume();
      // Never answers; notes when the API drops the call.
      response.on('close', () => (call.gaveUp = !response.writableFinished));
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const api = await startApp({ ENCODER_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/selfie`, ENCODER_TIMEOUT_MS: '30000' });
    try {
      const client = new AbortController();
      const form = new FormData();
      form.append('file', new Blob([fixture('one-face-soccer.jpg')]), 'photo.jpg');
      const sent = fetch(`${api.url}/encode`, { method: 'POST', body: form, headers: { key: await newSession(api.url) }, signal: client.signal });
      await until(() => seen.length === 1);
      client.abort();
      await expect(sent).rejects.toThrow();
      // Long before the 30 s timeout.
      await until(() => seen[0]!.gaveUp);
      expect(seen[0]!.owner).toMatch(/^[\w-]{43}$/);
    } finally {
      await api.close();
      server.closeAllConnections();
      server.close();
    }
  });

  it.each([
    ['says nothing of its engine', undefined],
    ['names it in a way no engine is named', 'engine <script>'],
  ])('gives faces no engine from an encoder that %s', async (_, name) => {
    const encoderStub = await faultyEncoder((r) => r.writeHead(200, name === undefined ? {} : { 'x-face-engine': name }).end(JSON.stringify([Array(128).fill(0.1)])));
    const api = await startApp({ ENCODER_URL: encoderStub.url });
    try {
      const response = await upload(api.url, await newSession(api.url), fixture('one-face-soccer.jpg'));
      const { faces } = (await response.json()) as { faces: object[] };
      expect(faces).toHaveLength(1);
      expect(faces[0]).not.toHaveProperty('engine');
    } finally {
      await api.close();
      encoderStub.close();
    }
  });

  it('charges the budget before it decodes, as the built-in engine does: a corrupt upload spends it, and the next is refused undecoded', async () => {
    const encoderStub = await faultyEncoder((r) => r.writeHead(200).end('[]'));
    const api = await startApp({ ENCODER_URL: encoderStub.url, RATE_LIMIT_ENCODES_PER_SESSION_PER_HOUR: '1' });
    try {
      const key = await newSession(api.url);
      const jpeg = fixture('one-face-soccer.jpg');
      const corrupt = await upload(api.url, key, jpeg.subarray(0, jpeg.length / 2));
      expect(corrupt.status).toBe(400);
      expect(await corrupt.json()).toMatchObject({ code: 'invalid_image' });
      for (const bytes of [jpeg.subarray(0, jpeg.length / 3), jpeg]) {
        const refused = await upload(api.url, key, bytes);
        expect(refused.status).toBe(429);
        expect(await refused.json()).toMatchObject({ code: 'rate_limited' });
      }
      expect(encoderStub.state.calls).toBe(0);
    } finally {
      await api.close();
      encoderStub.close();
    }
  });

  it('never calls the encoder for a file that does not decode', async () => {
    const encoderStub = await faultyEncoder((r) => r.writeHead(200).end('[]'));
    const api = await startApp({ ENCODER_URL: encoderStub.url });
    try {
      const key = await newSession(api.url);
      const jpeg = fixture('one-face-soccer.jpg');
      for (const bytes of [Buffer.from('text, not an image'), jpeg.subarray(0, jpeg.length / 2)]) {
        const response = await upload(api.url, key, bytes);
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ code: 'invalid_image' });
      }
      expect(encoderStub.state.calls).toBe(0);
    } finally {
      await api.close();
      encoderStub.server.close();
    }
  });
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
