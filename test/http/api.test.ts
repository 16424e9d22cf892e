import { createHash, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENGINE_VERSION } from '../../src/adapters/encoder/engine/FaceEngine.ts';
import { createFaceSessionsClient, type FaceSessionsClient } from '../../src/client/createFaceSessionsClient.ts';
import { fixture, hasSeedImages, seedImage } from '../support/fixtures.ts';
import { encode, newSession, type RunningApp, startApp } from '../support/startApp.ts';

// Through the typed client (src/client), as integrators call the service; raw fetch only
// for what the client cannot send (no file part, a wrong method) or for pages.
let app: RunningApp;
let key: string;
/** The typed client, holding this test's session key. */
let faces: FaceSessionsClient;
const client = (sessionKey?: string) => createFaceSessionsClient({ baseUrl: app.url, ...(sessionKey !== undefined && { key: sessionKey }) });
beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app.close();
});
beforeEach(async () => {
  key = await newSession(app.url);
  faces = client(key);
});

const soccer = fixture('one-face-soccer.jpg');

/** A problem+json answer, from fetch or from the client (which has parsed it already). */
async function expectProblem(answer: Response | { error?: unknown; response: Response }, status: number, code: string): Promise<void> {
  const [response, body] = answer instanceof Response ? [answer, await answer.json()] : [answer.response, answer.error];
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  expect((body as { request_id: string }).request_id).toBe(response.headers.get('x-request-id'));
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/);
}

async function summaryOf(sessionKey: string) {
  const { data, response } = await client(sessionKey).GET('/summary');
  expect(response.status).toBe(200);
  return data!;
}

describe('sessions', () => {
  it('creates sessions with GET (seed) and POST, each a fresh UUID v4', async () => {
    const got = await client().GET('/session');
    const posted = await client().POST('/session');
    expect(got.response.status).toBe(200);
    expect(posted.response.status).toBe(201);
    const keys = [got.data!.key, posted.data!.key];
    for (const k of keys) expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('refuses a missing, malformed or unknown key with 401 on every keyed endpoint', async () => {
    for (const stranger of [client(), client('nope'), client(randomUUID())]) {
      await expectProblem(await stranger.GET('/summary'), 401, 'unauthorized');
      await expectProblem(await stranger.GET('/verification'), 401, 'unauthorized');
      await expectProblem(await stranger.DELETE('/session'), 401, 'unauthorized');
      await expectProblem(await encode(stranger, soccer), 401, 'unauthorized');
    }
    const bearer = { authorization: `Bearer ${randomUUID()}` };
    await expectProblem(await client().GET('/summary', { headers: bearer }), 401, 'unauthorized');
  });

  it('accepts the key as Authorization: Bearer and in the quotes the seed README used', async () => {
    expect((await client().GET('/summary', { headers: { authorization: `Bearer ${key}` } })).response.status).toBe(200);
    expect((await client(`'${key}'`).GET('/summary')).response.status).toBe(200);
  });
});

describe('encoding real photos with the built-in model', () => {
  it('encodes a one-face photo and lists it in the summary in the seed\'s shape', async () => {
    const { data: body, response } = await encode(faces, soccer);
    expect(response.status).toBe(200);
    expect(body!.sha256).toBe(createHash('sha256').update(soccer).digest('hex'));
    expect(body!.faces).toHaveLength(1);
    expect(body!.faces[0]?.encoding).toHaveLength(128);
    expect(body!.faces[0]?.encoding.every(Number.isFinite)).toBe(true);

    const summary = await summaryOf(key);
    expect(Object.keys(summary)).toEqual(['image_encodings']);
    expect(summary.image_encodings).toHaveLength(1);
    const [image] = summary.image_encodings;
    expect(image?.faces.map((face) => face.encoding)).toEqual(body!.faces.map((face) => face.encoding));
  });

  it('gives each face its engine, score, landmarks, pose and quality, the same in /encode and /summary', async () => {
    const { data: body } = await encode(faces, soccer);
    const [face] = body!.faces;
    expect(face).toMatchObject({
      engine: ENGINE_VERSION,
      score: expect.any(Number),
      box: { x: expect.any(Number), y: expect.any(Number), width: expect.any(Number), height: expect.any(Number) },
      landmarks: {
        left_eye: { x: expect.any(Number), y: expect.any(Number) },
        right_eye: expect.any(Object),
        nose_tip: expect.any(Object),
        mouth_left: expect.any(Object),
        mouth_right: expect.any(Object),
      },
      pose: { yaw: expect.any(Number), pitch: expect.any(Number), roll: expect.any(Number) },
      quality: { sharpness: expect.any(Number), brightness: expect.any(Number), size: expect.any(Number), for_recognition: expect.any(String) },
    });
    expect((await summaryOf(key)).image_encodings[0]?.faces).toEqual(body!.faces);
  });

  it.skipIf(!hasSeedImages)('encodes both faces of the two-face photo', async () => {
    const { data, response } = await encode(faces, seedImage('two-faces.jpg'));
    expect(response.status).toBe(200);
    expect(data!.faces).toHaveLength(2);
  });

  it.skipIf(!hasSeedImages)('refuses the six-face selfie as too_many_faces and takes no slot', async () => {
    await expectProblem(await encode(faces, seedImage('six-faces.jpg')), 400, 'too_many_faces');
    expect((await summaryOf(key)).image_encodings).toEqual([]);
  });

  it('answers no_face for the baboon (an animal face) and takes no slot', async () => {
    await expectProblem(await encode(faces, fixture('no-face-baboon.jpg')), 400, 'no_face');
    expect((await summaryOf(key)).image_encodings).toEqual([]);
  });

  it.skipIf(!hasSeedImages)('answers no_face for the landscape', async () => {
    await expectProblem(await encode(faces, seedImage('no-face-landscape.jpg')), 400, 'no_face');
  });

  it.skipIf(!hasSeedImages)('answers no_face for the 24-megapixel photo within seconds', async () => {
    const started = performance.now();
    await expectProblem(await encode(faces, seedImage('large-6000x4000-no-face.jpg')), 400, 'no_face');
    // Generous bound: this only catches a hang or a full-resolution detection pass.
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  it('answers invalid_image for a text file, whatever it is called', async () => {
    await expectProblem(await encode(faces, Buffer.from('just some text\n')), 400, 'invalid_image');
  });

  it('answers missing_file without a file part, with an empty one, or with another field name', async () => {
    await expectProblem(await fetch(`${app.url}/encode`, { method: 'POST', headers: { key } }), 400, 'missing_file');
    await expectProblem(await encode(faces, new Uint8Array()), 400, 'missing_file');
    const form = new FormData();
    form.append('image', new Blob([soccer]), 'photo.jpg');
    await expectProblem(await fetch(`${app.url}/encode`, { method: 'POST', body: form, headers: { key } }), 400, 'missing_file');
    const json = await fetch(`${app.url}/encode`, { method: 'POST', body: '{"file":"x"}', headers: { key, 'content-type': 'application/json' } });
    await expectProblem(json, 400, 'missing_file');
  });

  it('takes five distinct images, refuses the sixth with 403, and keeps upload order', async () => {
    const variants = await Promise.all(
      [100, 95, 90, 85, 80, 75].map((quality) => sharp(soccer).jpeg({ quality }).toBuffer()),
    );
    const hashes = [];
    for (const bytes of variants.slice(0, 5)) {
      const { data, response } = await encode(faces, bytes);
      expect(response.status).toBe(200);
      hashes.push(data!.sha256);
    }
    await expectProblem(await encode(faces, variants[5]!), 403, 'session_full');
    expect((await summaryOf(key)).image_encodings.map((image) => image.sha256)).toEqual(hashes);
    // A retry of an image already in the full session still gets its answer.
    expect((await encode(faces, variants[4]!)).response.status).toBe(200);
  });

  it('answers the same bytes again with the same result and no second slot; another session gets the same result too', async () => {
    const first = (await encode(faces, soccer)).data;
    const again = await encode(faces, soccer);
    expect(again.response.status).toBe(200);
    expect(again.data).toEqual(first);
    expect((await summaryOf(key)).image_encodings).toHaveLength(1);

    const other = client(await newSession(app.url));
    expect((await encode(other, soccer)).data).toEqual(first);
  });

  it('clears a session with 204: images go, the key stays valid', async () => {
    expect((await encode(faces, soccer)).response.status).toBe(200);
    const cleared = await faces.DELETE('/session');
    expect(cleared.response.status).toBe(204);
    expect((await summaryOf(key)).image_encodings).toEqual([]);
    expect((await encode(faces, soccer)).response.status).toBe(200);
  });
});

describe('the service around the API', () => {
  it('answers /ping and /ready', async () => {
    expect((await client().GET('/ping')).data).toEqual({ status: 'ok' });
    const ready = await client().GET('/ready');
    expect(ready.response.status).toBe(200);
    expect(ready.data).toEqual({ status: 'ready', checks: { storage: 'ok', cache: 'ok', encoder: 'ok' } });
  });

  it('serves the OpenAPI 3.1 document and a Swagger UI whose assets are all local', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, object> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/session', '/encode', '/summary', '/ping', '/ready']));
    const face = JSON.stringify((doc as { components?: object }).components);
    for (const field of ['score', 'landmarks', 'left_eye', 'pose', 'yaw', 'quality', 'sharpness', 'for_recognition']) expect(face).toContain(`"${field}"`);

    const page = await fetch(`${app.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/')).toBe(true);
      const response = await fetch(app.url + asset);
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(10);
    }
  });

  it('sends headers fit for a JSON API, and a CSP on /docs that still lets the local Swagger UI run', async () => {
    const summary = await fetch(`${app.url}/summary`, { headers: { key } });
    expect(summary.headers.get('x-content-type-options')).toBe('nosniff');
    expect(summary.headers.get('x-frame-options')).toBe('DENY');
    expect(summary.headers.get('cache-control')).toBe('no-store');
    expect(summary.headers.get('content-security-policy')).toContain("default-src 'none'");
    const docs = await fetch(`${app.url}/docs`);
    const csp = docs.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(await docs.text()).not.toMatch(/<script>[^<]/);
  });

  it('answers unknown paths with 404 and wrong methods with 405, as problem+json', async () => {
    await expectProblem(await fetch(`${app.url}/nope`), 404, 'not_found');
    const wrongMethod = await fetch(`${app.url}/summary`, { method: 'POST' });
    expect(wrongMethod.headers.get('allow')).toContain('GET');
    await expectProblem(wrongMethod, 405, 'method_not_allowed');
  });

  it('logs every request with its latency and never an API key', async () => {
    await encode(faces, Buffer.from('not an image'));
    await client().GET('/summary', { headers: { authorization: `Bearer ${key}` } });
    const lines = app.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => line.path === '/summary' && line.status === 200 && typeof line.ms === 'number')).toBe(true);
    expect(app.logs.join('\n')).not.toContain(key);
  });
});

describe('the event loop while the model works', () => {
  it('answers /ping quickly while two slow encodes run', async () => {
    const big = hasSeedImages ? seedImage('large-6000x4000-no-face.jpg') : await sharp(soccer).resize(4000).jpeg().toBuffer();
    const variant = await sharp(big).jpeg({ quality: 80 }).toBuffer();
    let encoding = true;
    const encodes = Promise.all([encode(faces, big), encode(faces, variant)]).finally(() => {
      encoding = false;
    });
    const latencies: number[] = [];
    while (encoding) {
      const started = performance.now();
      expect((await fetch(`${app.url}/ping`)).status).toBe(200);
      if (encoding) latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await encodes;
    // Pings were answered *during* the encodes, and fast: inference is not on the event loop.
    expect(latencies.length).toBeGreaterThanOrEqual(5);
    latencies.sort((a, b) => a - b);
    expect(latencies[Math.floor(latencies.length / 2)]).toBeLessThan(100);
  });
});
