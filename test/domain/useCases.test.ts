import { beforeEach, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';
import { LruOpenedSessions } from '../../src/adapters/memory/LruOpenedSessions.ts';
import { MemoryStore } from '../../src/adapters/memory/MemoryStore.ts';
import { KeyvEncodingCache } from '../../src/adapters/keyv/KeyvEncodingCache.ts';
import { memoryKeyv } from '../../src/adapters/keyv/memoryKeyv.ts';
import { ObservedEncodingCache } from '../../src/adapters/keyv/ObservedEncodingCache.ts';
import { ClearSession } from '../../src/domain/useCases/ClearSession.ts';
import { EncodeImage } from '../../src/domain/useCases/EncodeImage.ts';
import { GetSummary } from '../../src/domain/useCases/GetSummary.ts';
import { StartSession } from '../../src/domain/useCases/StartSession.ts';
import { ExpireIdleSessions } from '../../src/domain/useCases/ExpireIdleSessions.ts';
import type { SessionExpiry } from '../../src/ports/SessionExpiry.ts';
import { Failure } from '../../src/domain/Failure.ts';
import { hashApiKey, sha256Hex } from '../../src/domain/hashing.ts';
import { imageEntryOf, storageSealingOf } from '../../src/domain/sealing.ts';
import type { Cipher } from '../../src/ports/Cipher.ts';
import { fakeImage, PrefixImageInspector, ScriptedBudget, ScriptedFaceEncoder } from '../support/ScriptedFaceEncoder.ts';
import { v2Bytes, v2Data, v2EntryIdOf, v2Images, v2Keys } from '../support/sealedV2.ts';

/** The real cipher, counting what it is asked to do. */
class CountingCipher implements Cipher {
  readonly #cipher = new NodeCipher(randomBytes(32));
  calls = 0;
  derive(input: string, purpose: string) {
    this.calls += 1;
    return this.#cipher.derive(input, purpose);
  }
  deriveUnkeyed(secret: string, purpose: string) {
    this.calls += 1;
    return this.#cipher.deriveUnkeyed(secret, purpose);
  }
  seal(key: Uint8Array, plaintext: Uint8Array, context: string) {
    this.calls += 1;
    return this.#cipher.seal(key, plaintext, context);
  }
  open(key: Uint8Array, sealed: Uint8Array, context: string) {
    this.calls += 1;
    return this.#cipher.open(key, sealed, context);
  }
  sealAtRest(plaintext: Uint8Array, context: string) {
    this.calls += 1;
    return this.#cipher.sealAtRest(plaintext, context);
  }
  openAtRest(stored: Uint8Array, context: string) {
    this.calls += 1;
    return this.#cipher.openAtRest(stored, context);
  }
  sealedUnder(stored: Uint8Array) {
    return this.#cipher.sealedUnder(stored);
  }
  adopt(record: string | null, legacyCheck: string | null, storage: string) {
    return this.#cipher.adopt(record, legacyCheck, storage);
  }
  settled(record: string) {
    return this.#cipher.settled(record);
  }
}

function build(expiry?: SessionExpiry) {
  const store = new MemoryStore(expiry);
  const lookups = { hits: 0, misses: 0 };
  const cache = new ObservedEncodingCache(new KeyvEncodingCache(memoryKeyv(100)), (hits, misses) => {
    lookups.hits += hits;
    lookups.misses += misses;
  });
  const encoder = new ScriptedFaceEncoder();
  const cipher = new CountingCipher();
  const opened = new LruOpenedSessions({ maxSessions: 10, maxAgeMs: 60_000 });
  const deps = { sessions: store, encodings: store, cache, cipher, opened, encoder, inspector: new PrefixImageInspector() };
  const budget = new ScriptedBudget();
  return {
    store,
    budget,
    cache,
    lookups,
    encoder,
    cipher,
    opened,
    /** Where storage keeps a session's sealed entry of an image. */
    entryIdOf: (key: string, image: Uint8Array) => imageEntryOf(cipher, key, sha256Hex(image)).id,
    start: new StartSession({ sessions: store, generateKey: randomUUID }),
    encode: new EncodeImage({ ...deps, budget, sessionImageLimit: 5, maxFaces: 5 }),
    summary: new GetSummary(deps),
    clear: new ClearSession(deps),
    expire: new ExpireIdleSessions(deps),
  };
}

describe('use cases', () => {
  let app: ReturnType<typeof build>;
  let key: string;
  beforeEach(async () => {
    app = build();
    ({ key } = await app.start.execute());
  });

  it('starts a session under a fresh UUID v4 key, stored only as its hash', async () => {
    const other = await app.start.execute();
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(other.key).not.toBe(key);
    expect(await app.store.listImages(hashApiKey(key))).toEqual([]);
    expect(await app.store.listImages(key)).toBeNull();
  });

  it('refuses missing, malformed and unknown keys', async () => {
    for (const bad of [undefined, '', 'not-a-key', randomUUID()]) {
      await expect(app.summary.execute({ key: bad })).rejects.toMatchObject({ code: 'unauthorized' });
      await expect(app.encode.execute({ key: bad, image: fakeImage('a') })).rejects.toMatchObject({ code: 'unauthorized' });
      await expect(app.clear.execute({ key: bad })).rejects.toMatchObject({ code: 'unauthorized' });
    }
  });

  it('refuses a malformed key without touching storage', async () => {
    const untouchable = new Proxy(app.store, {
      get: () => () => Promise.reject(new Error('storage was touched')),
    });
    const summary = new GetSummary({ sessions: untouchable, encodings: untouchable, cache: app.cache, cipher: app.cipher, opened: app.opened });
    await expect(summary.execute({ key: 'not-a-uuid' })).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(summary.execute({ key })).rejects.toThrow('storage was touched');
  });

  it('keeps sessions apart: one key never sees another key\'s images', async () => {
    const other = await app.start.execute();
    await app.encode.execute({ key, image: fakeImage('mine') });
    expect(await app.summary.execute({ key: other.key })).toEqual([]);
  });

  it('stores each distinct image, in upload order, up to the limit of 5', async () => {
    const results = [];
    for (const n of [1, 2, 3, 4, 5]) results.push(await app.encode.execute({ key, image: fakeImage(`img${n}`) }));
    expect(new Set(results.map((r) => r.sha256)).size).toBe(5);
    await expect(app.encode.execute({ key, image: fakeImage('img6') })).rejects.toMatchObject({ code: 'session_full' });
    const summary = await app.summary.execute({ key });
    expect(summary.map((image) => image.sha256)).toEqual(results.map((r) => r.sha256));
    expect(app.encoder.calls).toBe(5);
  });

  it('returns the same result for the same bytes without taking a second slot', async () => {
    const first = await app.encode.execute({ key, image: fakeImage('same') });
    const again = await app.encode.execute({ key, image: fakeImage('same') });
    expect(again).toEqual(first);
    expect(await app.summary.execute({ key })).toHaveLength(1);
    expect(app.encoder.calls).toBe(1);
  });

  it('answers re-uploads into the same session from what it opened, deriving only where the entry would be', async () => {
    const first = await app.encode.execute({ key, image: fakeImage('again') });
    const opened = await app.encode.execute({ key, image: fakeImage('again') }); // opened from storage once
    expect(opened).toEqual(first);
    const calls = app.cipher.calls;
    expect(await app.encode.execute({ key, image: fakeImage('again') })).toBe(opened);
    expect(app.cipher.calls - calls).toBe(1);
  });

  it('answers a re-upload 200 only once storage confirms it holds it as durably as it promises, else storage_unavailable', async () => {
    const image = fakeImage('kept');
    const first = await app.encode.execute({ key, image });
    let confirmed = false;
    app.store.confirmStored = async () => {
      if (!confirmed) throw new Failure('storage_unavailable', 'no replica confirmed it', { retryAfterSeconds: 1 });
    };
    await expect(app.encode.execute({ key, image })).rejects.toMatchObject({ code: 'storage_unavailable' });
    confirmed = true;
    expect(await app.encode.execute({ key, image })).toEqual(first);
    expect(app.encoder.calls).toBe(1);
  });

  it('answers a retry of the fifth image even though the session is now full', async () => {
    for (const n of [1, 2, 3, 4]) await app.encode.execute({ key, image: fakeImage(`img${n}`) });
    const fifth = await app.encode.execute({ key, image: fakeImage('img5') });
    expect(await app.encode.execute({ key, image: fakeImage('img5') })).toEqual(fifth);
  });

  it('encodes bytes another session holds again, into an entry of this session\'s own', async () => {
    const other = await app.start.execute();
    const first = await app.encode.execute({ key, image: fakeImage('shared', 2) });
    const second = await app.encode.execute({ key: other.key, image: fakeImage('shared', 2) });
    expect(second).toEqual(first);
    expect(app.encoder.calls).toBe(2);
    const [mine, theirs] = [app.entryIdOf(key, fakeImage('shared', 2)), app.entryIdOf(other.key, fakeImage('shared', 2))];
    expect(mine).not.toBe(theirs);
    expect((await app.store.findEntries([mine, theirs])).every((entry) => entry !== null)).toBe(true);
  });

  it('does the very same work for an upload whether or not another session holds the same bytes', async () => {
    // Two services alike but for one thing: in the first, another session uploaded these bytes before.
    const worlds = [app, build()];
    await app.encode.execute({ key, image: fakeImage('probe', 2) });
    const seen = [];
    for (const world of worlds) {
      const prober = await world.start.execute();
      const before = { encodes: world.encoder.calls, lookups: { ...world.lookups }, cipher: world.cipher.calls };
      const answer = await world.encode.execute({ key: prober.key, image: fakeImage('probe', 2) });
      seen.push({
        answer,
        encodes: world.encoder.calls - before.encodes,
        hits: world.lookups.hits - before.lookups.hits,
        misses: world.lookups.misses - before.lookups.misses,
        cipher: world.cipher.calls - before.cipher,
      });
    }
    expect(seen[0]).toEqual(seen[1]);
    expect(seen[0]).toMatchObject({ encodes: 1, hits: 0 });
  });

  it('treats bytes that differ by one byte as different images', async () => {
    const a = await app.encode.execute({ key, image: fakeImage('x1') });
    const b = await app.encode.execute({ key, image: fakeImage('x2') });
    expect(a.sha256).not.toBe(b.sha256);
    expect(a.faces[0]?.encoding).not.toEqual(b.faces[0]?.encoding);
    expect(app.encoder.calls).toBe(2);
  });

  it.each([
    ['no_face', fakeImage('nobody', 0)],
    ['too_many_faces', fakeImage('crowd', 6)],
    ['invalid_image', new TextEncoder().encode('hello, not an image')],
    ['missing_file', new Uint8Array()],
  ])('refuses an image with %s and takes no slot', async (code, image) => {
    await expect(app.encode.execute({ key, image })).rejects.toMatchObject({ code });
    expect(await app.summary.execute({ key })).toEqual([]);
    for (const n of [1, 2, 3, 4, 5]) await app.encode.execute({ key, image: fakeImage(`ok${n}`) });
    expect(await app.summary.execute({ key })).toHaveLength(5);
  });

  it('spends one encode from the session and the caller for every encoder run, whatever it finds, and none for a retry', async () => {
    const caller = '203.0.113.7';
    await app.encode.execute({ key, image: fakeImage('ok'), caller });
    await expect(app.encode.execute({ key, image: fakeImage('nobody', 0), caller })).rejects.toMatchObject({ code: 'no_face' });
    await expect(app.encode.execute({ key, image: fakeImage('crowd', 6), caller })).rejects.toMatchObject({ code: 'too_many_faces' });
    // The same empty photo again runs the encoder again: it was never stored.
    await expect(app.encode.execute({ key, image: fakeImage('nobody', 0), caller })).rejects.toMatchObject({ code: 'no_face' });
    // A retry of what the session holds is answered without the encoder, and costs nothing.
    await app.encode.execute({ key, image: fakeImage('ok'), caller });
    // Refused from its header: it never reached the encoder.
    await expect(app.encode.execute({ key, image: new TextEncoder().encode('not an image'), caller })).rejects.toMatchObject({ code: 'invalid_image' });
    expect(app.encoder.calls).toBe(4);
    expect(app.budget.spent).toEqual(Array(4).fill({ session: hashApiKey(key), caller }));
  });

  it('refuses an upload once its budget is spent, before the encoder runs and without taking a slot', async () => {
    app.budget.allowed = 1;
    await app.encode.execute({ key, image: fakeImage('first') });
    await expect(app.encode.execute({ key, image: fakeImage('second') })).rejects.toMatchObject({ code: 'rate_limited', retryAfterSeconds: 60 });
    expect(app.encoder.calls).toBe(1);
    expect(await app.summary.execute({ key })).toHaveLength(1);
    expect((await app.encode.execute({ key, image: fakeImage('first') })).faces).toHaveLength(1);
  });

  it('tells the encoder whose upload it is and what the inspector read of it, and passes the client\'s signal; a client already gone costs nothing', async () => {
    const client = new AbortController();
    await app.encode.execute({ key, image: fakeImage('watched'), signal: client.signal });
    expect(app.encoder.options).toEqual({ signal: client.signal, owner: hashApiKey(key), inspected: { format: 'png', width: 1, height: 1 } });
    client.abort(new Error('the client hung up'));
    await expect(app.encode.execute({ key, image: fakeImage('too late'), signal: client.signal })).rejects.toThrow('the client hung up');
    expect(app.encoder.calls).toBe(1);
    expect(app.budget.spent).toHaveLength(1);
    expect(await app.summary.execute({ key })).toHaveLength(1);
  });

  it('does not call the encoder for a full session', async () => {
    for (const n of [1, 2, 3, 4, 5]) await app.encode.execute({ key, image: fakeImage(`img${n}`) });
    await expect(app.encode.execute({ key, image: fakeImage('late') })).rejects.toMatchObject({ code: 'session_full' });
    expect(app.encoder.calls).toBe(5);
  });

  it('clear removes the images, keeps the key, and frees the slots', async () => {
    for (const n of [1, 2, 3, 4, 5]) await app.encode.execute({ key, image: fakeImage(`img${n}`) });
    await app.clear.execute({ key });
    expect(await app.summary.execute({ key })).toEqual([]);
    await app.encode.execute({ key, image: fakeImage('after') });
    expect(await app.summary.execute({ key })).toHaveLength(1);
  });

  it('clear deletes the session\'s entries, from storage and cache, even of bytes another session holds, and forgets what it opened', async () => {
    const other = await app.start.execute();
    const same = await app.encode.execute({ key, image: fakeImage('same') });
    await app.encode.execute({ key, image: fakeImage('own') });
    await app.encode.execute({ key: other.key, image: fakeImage('same') });
    await app.summary.execute({ key }); // fills the cache
    expect(app.opened.get(hashApiKey(key))).toBeDefined();
    await app.clear.execute({ key });
    const mine = [app.entryIdOf(key, fakeImage('same')), app.entryIdOf(key, fakeImage('own'))];
    expect(await app.store.findEntries(mine)).toEqual([null, null]);
    expect(await app.cache.getMany(mine)).toEqual([null, null]);
    expect(app.opened.get(hashApiKey(key))).toBeUndefined();
    expect(await app.summary.execute({ key: other.key })).toEqual([same]);
  });

  it('gives a session read with another session\'s key nothing, even with that session\'s links copied into it', async () => {
    const thief = await app.start.execute();
    const mine = await app.encode.execute({ key, image: fakeImage('mine', 2) });
    // Someone who can write to storage gives the thief's session a copy of this session's link.
    const [link] = (await app.store.listImages(hashApiKey(key)))!;
    const [sealed] = await app.store.findEntries([link!.entryId]);
    expect(await app.store.addImage(hashApiKey(thief.key), link!, sealed!, 5)).toBe('added');
    expect(await app.summary.execute({ key: thief.key })).toEqual([]);
    expect(await app.summary.execute({ key })).toEqual([mine]);
  });

  it('stores entries and links only sealed: the stored bytes hold no encoding', async () => {
    const image = await app.encode.execute({ key, image: fakeImage('sealed', 2) });
    const [link] = (await app.store.listImages(hashApiKey(key)))!;
    const [sealed] = await app.store.findEntries([link!.entryId]);
    const stored = Buffer.concat([sealed!, link!.sealedSecret]).toString('latin1');
    for (const number of image.faces.flatMap((face) => face.encoding)) expect(stored).not.toContain(JSON.stringify(number));
    expect(stored).not.toContain(image.sha256);
    expect(link!.entryId).not.toBe(image.sha256);
  });

  it('answers a summary of an unchanged session from what it opened before, without decrypting again', async () => {
    for (const n of [1, 2, 3]) await app.encode.execute({ key, image: fakeImage(`img${n}`) });
    const first = await app.summary.execute({ key });
    const calls = app.cipher.calls;
    expect(await app.summary.execute({ key })).toBe(first);
    expect(app.cipher.calls).toBe(calls);

    await app.encode.execute({ key, image: fakeImage('img4') });
    const grown = await app.summary.execute({ key });
    expect(grown.slice(0, 3)).toEqual(first);
    expect(grown[0]).toBe(first[0]); // kept, not opened again
    expect(grown).toHaveLength(4);
  });

  it('shows a new upload in the very next summary (no stale cache)', async () => {
    await app.encode.execute({ key, image: fakeImage('one') });
    expect(await app.summary.execute({ key })).toHaveLength(1);
    await app.encode.execute({ key, image: fakeImage('two') });
    expect(await app.summary.execute({ key })).toHaveLength(2);
  });
});

describe('idle sessions', () => {
  it('expire after the TTL with their data, from storage and cache, and their key stops working', async () => {
    let now = 0;
    const app = build({ clock: () => now, idleTtlMs: 60_000 });
    const { key } = await app.start.execute();
    const image = await app.encode.execute({ key, image: fakeImage('mine') });
    await app.summary.execute({ key }); // fills the cache

    now += 59_999;
    expect(await app.expire.execute()).toBe(0);
    expect(await app.summary.execute({ key })).toEqual([image]);

    now += 60_000;
    expect(await app.expire.execute()).toBe(1);
    expect(await app.store.findEntries([app.entryIdOf(key, fakeImage('mine'))])).toEqual([null]);
    expect(await app.cache.getMany([app.entryIdOf(key, fakeImage('mine'))])).toEqual([null]);
    await expect(app.summary.execute({ key })).rejects.toMatchObject({ code: 'unauthorized' });
  });
});


describe('sessions sealed before the server-held secret, after the storage upgrade', () => {
  it('open with their keys, answer retries from storage, and keep a shared entry until the last of them clears', async () => {
    const app = build();
    const { a, b } = v2Keys;
    // What the upgrade makes of that build's data (SqliteStore and RedisStore do it to their own).
    const sealing = storageSealingOf(app.cipher);
    for (const apiKey of [a, b]) {
      await app.store.createSession(hashApiKey(apiKey));
      for (const link of v2Data.links(apiKey)) {
        const upgraded = sealing.upgradeV2Link(hashApiKey(apiKey), link);
        await app.store.addImage(hashApiKey(apiKey), upgraded, sealing.upgradeV2Entry(link.entryId, v2Data.entry(link.entryId)), 5);
      }
    }

    expect(await app.summary.execute({ key: a })).toEqual([v2Images.one, v2Images.both]);
    expect(await app.summary.execute({ key: b })).toEqual([v2Images.both, v2Images.other]);
    app.opened.delete(hashApiKey(a)); // a retry in another process: opened from storage
    expect(await app.encode.execute({ key: a, image: v2Bytes.one })).toEqual(v2Images.one);
    expect(await app.encode.execute({ key: a, image: v2Bytes.one })).toEqual(v2Images.one);
    expect(app.encoder.calls).toBe(0);
    expect(await app.store.listImages(hashApiKey(a))).toHaveLength(2);

    const [oneId, bothId] = [v2Images.one, v2Images.both].map((image) => sealing.v2EntryId(v2EntryIdOf(image.sha256)));
    await app.clear.execute({ key: a });
    expect(await app.store.findEntries([oneId!, bothId!])).toEqual([null, expect.anything()]);
    expect(await app.summary.execute({ key: b })).toEqual([v2Images.both, v2Images.other]);
    await app.clear.execute({ key: b });
    expect(await app.store.findEntries([bothId!])).toEqual([null]);

    // From now on the same bytes make an entry of the session's own.
    expect(await app.encode.execute({ key: a, image: v2Bytes.both })).toEqual(v2Images.both);
    expect(app.encoder.calls).toBe(1);
    expect((await app.store.listImages(hashApiKey(a)))!.map((link) => link.entryId)).toEqual([app.entryIdOf(a, v2Bytes.both)]);
  });
});
