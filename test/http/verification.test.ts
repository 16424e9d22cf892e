import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type components, createFaceSessionsClient } from '../../src/client/createFaceSessionsClient.ts';
import { ENGINE_VERSION } from '../../src/adapters/encoder/engine/FaceEngine.ts';
import { loadMatchRates } from '../../src/app/matchRates.ts';
import { rateAt, smallestVouchableRate, thresholdFor } from '../../src/domain/matchRates.ts';
import { fixture, hasSeedImages, seedImage } from '../support/fixtures.ts';
import { deletePrefix, freshPrefix, redisUrl } from '../support/redis.ts';
import { encode, newSession, type RunningApp, startApp } from '../support/startApp.ts';

type Verification = components['schemas']['Verification'];
type Box = NonNullable<components['schemas']['ImageEncodings']['faces'][number]['box']>;
/** The typed client of a new session on `url`. */
const sessionOn = async (url: string) => createFaceSessionsClient({ baseUrl: url, key: await newSession(url) });

let app: RunningApp;
beforeAll(async () => {
  // Six, so the seed's six-face photo can be read whole for the boxes of its people.
  app = await startApp({ MAX_FACES: '6' });
});
afterAll(async () => {
  await app.close();
});

/** A new session holding `photos`, and its verification. */
async function verify(...photos: Buffer[]): Promise<Verification> {
  const faces = await sessionOn(app.url);
  for (const photo of photos) expect((await encode(faces, photo)).response.status).toBe(200);
  const { data, response } = await faces.GET('/verification');
  expect(response.status).toBe(200);
  return data!;
}

describe('GET /verification', () => {
  it('refuses a missing or unknown key', async () => {
    const { error, response } = await createFaceSessionsClient({ baseUrl: app.url }).GET('/verification');
    expect(response.status).toBe(401);
    expect(error?.code).toBe('unauthorized');
  });

  it('answers null for an empty session and for one photo', async () => {
    expect(await verify()).toEqual({ threshold: 0.6, rates: expect.objectContaining({ engine: ENGINE_VERSION }), same_person: null, identities: [], distances: [], excluded: [] });
    expect((await verify(fixture('one-face-soccer.jpg'))).same_person).toBeNull();
  });

  it('leaves low-quality faces out and cannot tell, rather than guess', async () => {
    // The basketball player's face is small and blurred in both photos (rated low).
    const result = await verify(fixture('one-face-basketball-1.png'), fixture('one-face-basketball-2.png'));
    expect(result.excluded).toEqual([
      { image: 0, face: 0, reason: 'low_quality' },
      { image: 1, face: 0, reason: 'low_quality' },
    ]);
    expect(result.identities).toEqual([]);
    expect(result.distances).toHaveLength(1);
    expect(result.distances[0]!.distance).toBeLessThan(0.6);
    expect(result.same_person).toBeNull();
  });
});

describe('GET /verification: what a distance means', () => {
  const rates = loadMatchRates();
  const threeDigits = (value: number) => (value === 0 ? 0 : Number(value.toPrecision(3)));

  it('gives every distance the false match rate measured at it, and what the threshold gives, from the committed table', async () => {
    const soccer = fixture('one-face-soccer.jpg');
    const result = await verify(soccer, await sharp(soccer).resize(800).jpeg().toBuffer());
    const [pair] = result.distances;
    const at = rateAt(rates, pair!.distance);
    expect(pair!.false_match_rate).toEqual({ rate: threeDigits(at.falseMatchRate), upper_bound: threeDigits(at.falseMatchUpperBound), impostor_pairs: rates.impostorPairs });
    const atThreshold = rateAt(rates, 0.6);
    expect(result.rates).toEqual({
      engine: ENGINE_VERSION,
      false_match_rate: { rate: threeDigits(atThreshold.falseMatchRate), upper_bound: threeDigits(atThreshold.falseMatchUpperBound), impostor_pairs: rates.impostorPairs },
      false_non_match_rate: {
        rate: threeDigits((rates.genuinePairs - atThreshold.genuineAtMost) / rates.genuinePairs),
        upper_bound: expect.any(Number),
        genuine_pairs: rates.genuinePairs,
      },
    });
  });

  it('chooses the threshold by the false match rate asked for, and refuses one the table cannot vouch for, saying the smallest it can', async () => {
    const faces = await sessionOn(app.url);
    const asked = 0.001;
    const { data, response } = await faces.GET('/verification', { params: { query: { false_match_rate: asked } } });
    expect(response.status).toBe(200);
    expect(data!.threshold).toBe(thresholdFor(rates, asked));
    expect(data!.rates!.false_match_rate.upper_bound).toBeLessThanOrEqual(asked);
    // One step looser would pass the rate asked for.
    expect(rateAt(rates, data!.threshold + rates.step).falseMatchUpperBound).toBeGreaterThan(asked);

    const smallest = smallestVouchableRate(rates);
    const tooSmall = await faces.GET('/verification', { params: { query: { false_match_rate: smallest / 2 } } });
    expect(tooSmall.response.status).toBe(400);
    expect(tooSmall.error).toMatchObject({ code: 'false_match_rate_unsupported', detail: expect.stringContaining(String(Number(smallest.toPrecision(3)))) });
    for (const bad of ['0', '1', 'abc', '']) {
      const response = await fetch(`${app.url}/verification?false_match_rate=${bad}`, { headers: { key: (await newSession(app.url)) } });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'invalid_parameter' });
    }
  });
});

describe('GET /verification on every storage', () => {
  const redisPrefix = freshPrefix();
  afterAll(() => deletePrefix(redisPrefix));

  it.each([
    ['sqlite', { STORAGE: 'sqlite', SQLITE_PATH: join(mkdtempSync(join(tmpdir(), 'faces-verify-')), 'faces.db') }],
    ['redis', { STORAGE: 'redis', CACHE: 'redis', REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix }],
  ])('answers from the faces stored in %s, through the cache', async (_, env) => {
    const stored = await startApp(env);
    try {
      const key = await newSession(stored.url);
      const faces = createFaceSessionsClient({ baseUrl: stored.url, key });
      const soccer = fixture('one-face-soccer.jpg');
      for (const photo of [soccer, await sharp(soccer).resize(700).jpeg().toBuffer()]) expect((await encode(faces, photo)).response.status).toBe(200);
      const { data } = await createFaceSessionsClient({ baseUrl: stored.url }).GET('/verification', { headers: { authorization: `Bearer ${key}` } });
      expect(data?.same_person).toBe(true);
      expect(data?.distances[0]!.distance).toBeLessThan(0.6);
    } finally {
      await stored.close();
    }
  });
});

describe.skipIf(!hasSeedImages)('GET /verification on real people', () => {
  const twoFaces = hasSeedImages ? seedImage('two-faces.jpg') : Buffer.alloc(0);
  const sixFaces = hasSeedImages ? seedImage('six-faces.jpg') : Buffer.alloc(0);
  const boxes = new Map<Buffer, Box[]>();

  beforeAll(async () => {
    const faces = await sessionOn(app.url);
    for (const photo of [twoFaces, sixFaces]) {
      const { data } = await encode(faces, photo);
      boxes.set(photo, data!.faces.map((face) => face.box!));
    }
  });

  /** A photo of one person of a group photo: cut around their face, `scale` times its size, turned `turn` degrees. */
  function photoOf(group: Buffer, person: number, scale: number, turn = 0): Promise<Buffer> {
    const { x, y, width, height } = boxes.get(group)![person]!;
    const side = Math.round(Math.max(width, height) * scale);
    const left = Math.max(0, Math.round(x + width / 2 - side / 2));
    const top = Math.max(0, Math.round(y + height / 2 - side / 2));
    return sharp(group).extract({ left, top, width: side, height: side }).rotate(turn, { background: '#777777' }).resize(480).jpeg({ quality: 90 }).toBuffer();
  }

  it('says the same person is in three photos', async () => {
    const result = await verify(await photoOf(twoFaces, 0, 1.5), await photoOf(twoFaces, 0, 1.8, 6), await photoOf(twoFaces, 0, 1.6, -5));
    expect(result.excluded).toEqual([]);
    expect(result.identities).toEqual([{ faces: [{ image: 0, face: 0 }, { image: 1, face: 0 }, { image: 2, face: 0 }] }]);
    expect(result.same_person).toBe(true);
  });

  it('says two different people are not the same person', async () => {
    // The woman at the front left and the person behind her: a cut around the first also
    // holds part of her neighbour's face, which may count as a third person.
    const people = boxes.get(sixFaces)!.map((box, person) => ({ person, ...box }));
    const frontLeft = people.reduce((a, b) => (b.x < a.x ? b : a));
    const behind = people.filter((box) => box.y < frontLeft.y).reduce((a, b) => (b.x < a.x ? b : a));
    const result = await verify(await photoOf(sixFaces, frontLeft.person, 1.5), await photoOf(sixFaces, behind.person, 1.5));
    for (const identity of result.identities) expect(new Set(identity.faces.map((face) => face.image)).size).toBe(1);
    expect(result.same_person).toBe(false);
  });

  it('says a two-person photo and a photo of a third person are not one person', async () => {
    const result = await verify(twoFaces, fixture('one-face-soccer.jpg'));
    expect(result.identities).toHaveLength(3);
    expect(result.distances).toHaveLength(3);
    expect(result.same_person).toBe(false);
  });

  it('says yes when one of two people in a group photo is also alone in another', async () => {
    const result = await verify(twoFaces, await photoOf(twoFaces, 0, 1.6));
    expect(result.identities).toContainEqual({ faces: [{ image: 0, face: 0 }, { image: 1, face: 0 }] });
    expect(result.same_person).toBe(true);
  });
});
