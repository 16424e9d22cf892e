import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LruOpenedSessions } from '../../src/adapters/memory/LruOpenedSessions.ts';
import { hashApiKey } from '../../src/domain/hashing.ts';
import type { Face } from '../../src/domain/ImageEncodings.ts';
import { ClearSession } from '../../src/domain/useCases/ClearSession.ts';
import { EncodeImage } from '../../src/domain/useCases/EncodeImage.ts';
import { ExpireIdleSessions } from '../../src/domain/useCases/ExpireIdleSessions.ts';
import { GetSummary } from '../../src/domain/useCases/GetSummary.ts';
import { StartSession } from '../../src/domain/useCases/StartSession.ts';
import type { Cipher } from '../../src/ports/Cipher.ts';
import type { EncodingCache } from '../../src/ports/EncodingCache.ts';
import type { FaceEncoder } from '../../src/ports/FaceEncoder.ts';
import type { SessionExpiry } from '../../src/ports/SessionExpiry.ts';
import type { StorageSealing } from '../../src/ports/SessionStore.ts';
import { fakeImage, PrefixImageInspector, ScriptedBudget } from '../support/ScriptedFaceEncoder.ts';
import { freshSealing } from '../support/sealing.ts';
import { type Loot, plunder } from '../support/thief.ts';
import type { Store } from './sessionStoreContract.ts';

/** Bytes as someone holding a copy of the storage would read them. */
export interface RawSource {
  readonly name: string;
  read(): Promise<Buffer>;
  /**
   * Whether deleted data leaves these bytes. An append-only log (Redis's AOF) keeps
   * every write until it is rewritten: what it keeps of a cleared session is sealed under
   * keys nobody has any more, which is the point of sealing.
   */
  readonly forgetsDeleted: boolean;
}

export interface AtRestSubject {
  readonly store: Store;
  readonly cache: EncodingCache;
  readonly raw: readonly RawSource[];
  /** A copy of everything stored, read as a thief would read it (the SQLite file and WAL opened with SQLite, every Redis value and the AOF). */
  steal(): Promise<Loot>;
  close(): Promise<void>;
}

/**
 * What storage holds at rest, read from its raw bytes (the SQLite file and its WAL,
 * every Redis value, the AOF): no encoding, face detail, image hash or API key, while
 * sessions are live or after they are cleared or expire; and where deleting is
 * supposed to remove bytes, not even the sealed ones. And what a thief who knows the
 * code gets from a copy of it and the photos: nothing without the sealing secret, and
 * nothing with it but without the API keys. Runs the real use cases over the adapter,
 * with an encoder that gives faces with every detail, as the built-in one does.
 */
export function atRestContract(
  name: string,
  makeSubject: (expiry: SessionExpiry, sealing: StorageSealing) => Promise<AtRestSubject>,
  options: { skip?: boolean } = {},
): void {
  describe.skipIf(options.skip ?? false)(`${name} at rest`, () => {
    const TTL = 60_000;
    let now: number;
    let subject: AtRestSubject;
    let app: ReturnType<typeof useCases>;
    const { secret, cipher, sealing } = freshSealing();
    beforeEach(async () => {
      now = 1_800_000_000_000;
      subject = await makeSubject({ clock: () => now, idleTtlMs: TTL }, sealing);
      app = useCases(subject, cipher);
    });
    afterEach(async () => {
      app.opened.close();
      await subject.close();
    });

    /** Two sessions, three images, one of them in both. */
    async function fill() {
      const [a, b] = [await app.start.execute(), await app.start.execute()];
      const faces = [
        await app.encode.execute({ key: a.key, image: fakeImage('own by a') }),
        await app.encode.execute({ key: a.key, image: fakeImage('shared') }),
        await app.encode.execute({ key: b.key, image: fakeImage('shared') }),
        await app.encode.execute({ key: b.key, image: fakeImage('own by b') }),
      ];
      for (const { key } of [a, b]) await app.summary.execute({ key }); // the caches fill too
      const secrets = [...faces.map((image) => image.sha256), a.key, b.key];
      return {
        a,
        b,
        sha256s: [...new Set(faces.map((image) => image.sha256))], // a's own, the one in both, b's own
        needles: needlesOf(faces.flatMap((image) => image.faces), secrets),
        sealed: await sealedBytes([a.key, b.key]),
      };
    }

    /** Everything sealed that storage holds for these sessions, as storage hands it out. */
    async function sealedBytes(keys: readonly string[]): Promise<Buffer[]> {
      const links = (await Promise.all(keys.map((key) => subject.store.listImages(hashApiKey(key))))).flatMap((held) => held ?? []);
      const entries = await subject.store.findEntries(links.map((link) => link.entryId));
      expect(entries.every((entry) => entry !== null)).toBe(true);
      return [...links.map((link) => link.sealedSecret), ...entries.map((entry) => entry!)].map((bytes) => Buffer.from(bytes));
    }

    it('holds no encoding, face detail, image hash or key in its raw bytes while sessions are live', async () => {
      const { needles, sealed } = await fill();
      for (const source of subject.raw) {
        const raw = await source.read();
        // The raw read does see what storage holds: it is only sealed.
        for (const bytes of sealed) expect(holds(raw, bytes.subarray(0, CHUNK)), `${source.name} holds sealed bytes`).toBe(true);
        expect(found(raw, needles), source.name).toEqual([]);
      }
    });

    it('gives a thief with a copy and the photos nothing without the secret, even with the API keys, and nothing with the secret but no API key', async () => {
      const { a, b, sha256s } = await fill();
      const loot = await subject.steal();
      // The thief knows its trade: with the secret and the API keys, it finds every session's entry of every photo and opens it.
      const withEverything = plunder(loot, { sha256s, apiKeys: [a.key, b.key], secret });
      const expected = [[0, 0], [1, 0], [1, 1], [2, 1]].map(([photo, key]) => `found the id with API key ${key} of photo ${photo}`);
      expect(withEverything.filter((what) => what.startsWith('found'))).toEqual(expected);
      for (const photo of [0, 1, 2]) expect(withEverything.some((what) => what.endsWith(`as photo ${photo}'s entry (id with API key ${photo === 2 ? 1 : 0})`))).toBe(true);
      expect(withEverything.some((what) => / as a link with API key 1$/.test(what))).toBe(true);

      expect(plunder(loot, { sha256s, apiKeys: [a.key, b.key] }), 'without the secret').toEqual([]);
      expect(plunder(loot, { sha256s, secret }), 'without an API key').toEqual([]);
    });

    it('keeps nothing readable of a cleared or an expired session, and where deleting removes bytes, nothing sealed either', async () => {
      const { a, b, needles, sealed } = await fill();
      await app.clear.execute({ key: a.key });
      now += TTL;
      expect(await app.expire.execute()).toBe(2);
      await expect(app.summary.execute({ key: b.key })).rejects.toMatchObject({ code: 'unauthorized' });
      for (const source of subject.raw) {
        const raw = await source.read();
        expect(found(raw, needles), source.name).toEqual([]);
        if (source.forgetsDeleted) {
          const left = sealed.flatMap((bytes) => chunks(bytes)).filter((chunk) => holds(raw, chunk));
          expect(left, `${source.name} still holds sealed bytes`).toEqual([]);
        }
      }
    });
  });
}

function useCases(subject: AtRestSubject, cipher: Cipher) {
  const opened = new LruOpenedSessions({ maxSessions: 10, maxAgeMs: 30_000 });
  const deps = {
    sessions: subject.store,
    encodings: subject.store,
    cache: subject.cache,
    cipher,
    opened,
    encoder: new DetailedFaceEncoder(),
    inspector: new PrefixImageInspector(),
  };
  return {
    opened,
    start: new StartSession({ sessions: subject.store, generateKey: () => crypto.randomUUID() }),
    encode: new EncodeImage({ ...deps, budget: new ScriptedBudget(), sessionImageLimit: 5, maxFaces: 5 }),
    summary: new GetSummary(deps),
    clear: new ClearSession(deps),
    expire: new ExpireIdleSessions(deps),
  };
}

/** Two faces an image, every detail filled with numbers of many digits, encodings float32 as the engine's are. */
class DetailedFaceEncoder implements FaceEncoder {
  async encode(): Promise<Face[]> {
    const number = () => Math.random() * 200 - 100;
    const point = () => ({ x: number(), y: number() });
    return Array.from({ length: 2 }, () => ({
      encoding: Array.from({ length: 128 }, () => Math.fround(Math.random() - 0.5)),
      box: { x: 10, y: 20, width: 30, height: 40 },
      score: Math.random(),
      landmarks: { left_eye: point(), right_eye: point(), nose_tip: point(), mouth_left: point(), mouth_right: point() },
      pose: { yaw: number(), pitch: number(), roll: number() },
      quality: { sharpness: Math.random(), brightness: Math.random(), size: 120, for_recognition: 'high' as const },
    }));
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

interface Needle {
  readonly what: string;
  readonly bytes: Buffer;
}

/**
 * Each number as JSON writes it (and as its float64 bytes; encodings also as float32
 * pairs, 8 bytes, so no chance match in random ciphertext), the field names a plaintext
 * entry would have, and the secrets in every form storage could hold them.
 */
function needlesOf(faces: readonly Face[], secrets: readonly string[]): Needle[] {
  const needles: Needle[] = [];
  const numbers = faces.flatMap((face) => [
    ...face.encoding,
    face.score!,
    ...Object.values(face.landmarks!).flatMap((p) => [p.x, p.y]),
    ...Object.values(face.pose!),
    face.quality!.sharpness,
    face.quality!.brightness,
  ]);
  for (const n of numbers) {
    needles.push({ what: `JSON ${n}`, bytes: Buffer.from(JSON.stringify(n)) });
    const double = Buffer.alloc(8);
    double.writeDoubleLE(n);
    needles.push({ what: `float64 ${n}`, bytes: double });
  }
  for (const face of faces) {
    for (let i = 0; i + 1 < face.encoding.length; i++) {
      const pair = Buffer.alloc(8);
      pair.writeFloatLE(face.encoding[i]!, 0);
      pair.writeFloatLE(face.encoding[i + 1]!, 4);
      needles.push({ what: `float32 pair at ${i}`, bytes: pair });
    }
  }
  for (const field of ['"encoding"', '"landmarks"', '"for_recognition"']) needles.push({ what: field, bytes: Buffer.from(field) });
  for (const secret of secrets) {
    needles.push({ what: `secret ${secret.slice(0, 8)}…`, bytes: Buffer.from(secret) });
    if (/^[0-9a-f]{64}$/.test(secret)) needles.push({ what: `secret bytes ${secret.slice(0, 8)}…`, bytes: Buffer.from(secret, 'hex') });
  }
  return needles;
}

/** What is found in the raw bytes, read as an attacker would: with every run of base64 text (Redis keeps bytes so) decoded too. */
function found(raw: Buffer, needles: readonly Needle[]): string[] {
  const decoded = [...raw.toString('latin1').matchAll(/[A-Za-z0-9+/]{24,}={0,2}/g)].map((run) => Buffer.from(run[0], 'base64'));
  const readable = Buffer.concat([raw, ...decoded]);
  return needles.filter((needle) => readable.includes(needle.bytes)).map((needle) => needle.what);
}

/**
 * Sealed values are looked for in pieces: SQLite spreads a large blob over overflow
 * pages, each starting with a pointer to the next. 48 bytes, so each piece's base64 is
 * also a piece of the whole value's base64.
 */
const CHUNK = 48;

function chunks(bytes: Buffer): Buffer[] {
  // A value's last piece can be a byte or two long, which any file holds by chance: such pieces prove nothing.
  const pieces = Array.from({ length: Math.ceil(bytes.length / CHUNK) }, (_, i) => bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
  return pieces.filter((piece) => piece.length >= 16);
}

/** As bytes (SQLite blobs, memory), or as the base64 or hex text Redis and SQLite queries keep them in. */
function holds(raw: Buffer, bytes: Buffer): boolean {
  return raw.includes(bytes) || raw.includes(Buffer.from(bytes.toString('base64'))) || raw.includes(Buffer.from(bytes.toString('hex')));
}
