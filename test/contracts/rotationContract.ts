import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';
import { SealMismatchError } from '../../src/adapters/SealMismatchError.ts';
import { storageSealingOf } from '../../src/domain/sealing.ts';
import type { Cipher } from '../../src/ports/Cipher.ts';
import type { ResealableStore, StorageSealing } from '../../src/ports/SessionStore.ts';
import { StartSession } from '../../src/domain/useCases/StartSession.ts';
import { fakeImage } from '../support/ScriptedFaceEncoder.ts';
import { type Loot, plunder } from '../support/thief.ts';
import { useCasesOver } from '../support/useCasesOver.ts';
import type { Store } from './sessionStoreContract.ts';

export interface RotationSubject {
  /** The same storage each time, opened (its seal record read) under `sealing`'s secrets. */
  open(sealing: StorageSealing): Promise<Store & ResealableStore>;
  /** A copy of everything stored, as a thief would read it. */
  steal(): Promise<Loot>;
  close(): Promise<void>;
}

/** The secrets a process is configured with, as compose builds its cipher. */
function configured(secret: Buffer, previous?: Buffer) {
  const cipher = new NodeCipher(secret, { ...(previous && { previous }), rootFromStorage: true });
  return { cipher, sealing: storageSealingOf(cipher) };
}

/** What a build from before the outer layer wrote: the same, without it. */
function beforeTheOuterLayer(cipher: Cipher): Cipher {
  return new Proxy(cipher, {
    get: (target, name) => (name === 'sealAtRest' ? (plaintext: Uint8Array) => plaintext : Reflect.get(target, name).bind(target)),
  });
}

/**
 * Rotating the sealing secret over a real store: the previous secret still opens what it
 * sealed, a re-seal moves every value under the new one without any API key, and then
 * the new secret alone opens everything while the old one opens nothing, not even with
 * a copy of storage and the API keys.
 */
export function rotationContract(name: string, makeSubject: () => Promise<RotationSubject>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip ?? false)(`${name}: rotating the sealing secret`, () => {
    it('the previous secret opens what it sealed until the re-seal; then the new one alone opens everything and the old one nothing stored', async () => {
      const subject = await makeSubject();
      const [oldSecret, newSecret] = [randomBytes(32), randomBytes(32)];
      try {
        // Two sessions, sealed under the old secret.
        const before = configured(oldSecret);
        const firstStore = await subject.open(before.sealing);
        const beforeApp = useCasesOver(firstStore, before.cipher);
        const start = new StartSession({ sessions: firstStore, generateKey: randomUUID });
        const sessions = [await start.execute(), await start.execute()];
        for (const [n, { key }] of sessions.entries()) {
          await beforeApp.encode.execute({ key, image: fakeImage(`own ${n}`) });
          await beforeApp.encode.execute({ key, image: fakeImage('shared') });
        }
        const summaries = await Promise.all(sessions.map(({ key }) => beforeApp.summary.execute({ key })));
        expect((await firstStore.countSealed()).current).toBe(8); // 4 entries, 4 links

        // The new secret alone is refused: nothing it could open is there yet.
        await expect(subject.open(configured(newSecret).sealing)).rejects.toThrow(SealMismatchError);

        // The new secret with the old as previous: the old data opens, new writes go under the new secret.
        const rotating = configured(newSecret, oldSecret);
        const rotatingStore = await subject.open(rotating.sealing);
        const rotatingApp = useCasesOver(rotatingStore, rotating.cipher);
        expect(await Promise.all(sessions.map(({ key }) => rotatingApp.summary.execute({ key })))).toEqual(summaries);
        await rotatingApp.encode.execute({ key: sessions[0]!.key, image: fakeImage('after the rotation') });
        expect(await rotatingStore.countSealed()).toEqual({ current: 2, previous: 8, none: 0, other: 0 });

        // Until the re-seal has run, the previous secret may not go.
        await expect(subject.open(configured(newSecret).sealing)).rejects.toThrow('SEAL_SECRET_PREVIOUS');

        const progress: number[] = [];
        expect(await rotatingStore.reseal((done) => progress.push(done))).toEqual({ current: 10, previous: 0, none: 0, other: 0 });
        expect(progress.at(-1)).toBe(8);
        // A second run finds nothing to do.
        expect(await rotatingStore.reseal()).toEqual({ current: 10, previous: 0, none: 0, other: 0 });

        // The new secret alone now opens everything, and a re-upload is still recognised (ids did not change).
        const after = configured(newSecret);
        const afterApp = useCasesOver(await subject.open(after.sealing), after.cipher);
        const [first, second] = await Promise.all(sessions.map(({ key }) => afterApp.summary.execute({ key })));
        expect(first!.slice(0, 2)).toEqual(summaries[0]);
        expect(first).toHaveLength(3);
        expect(second).toEqual(summaries[1]);
        const calls = afterApp.encoder.calls;
        await afterApp.encode.execute({ key: sessions[1]!.key, image: fakeImage('shared') });
        expect(afterApp.encoder.calls).toBe(calls);

        // The old secret is refused, and with a copy of storage and every API key it opens nothing.
        await expect(subject.open(configured(oldSecret).sealing)).rejects.toThrow(SealMismatchError);
        const loot = await subject.steal();
        const knowledge = { sha256s: summaries.flat().map((image) => image.sha256), apiKeys: sessions.map(({ key }) => key) };
        expect(plunder(loot, { sha256s: knowledge.sha256s, secret: oldSecret })).toEqual([]);
        // Ids still derive from the storage's root, its first secret: with the API keys it finds
        // which photos their own sessions hold, as those keys' holders can ask the API, but opens none.
        const withKeys = plunder(loot, { ...knowledge, secret: oldSecret });
        expect(withKeys.filter((what) => !what.startsWith('found the id with API key'))).toEqual([]);
        // The new secret and the keys open them: the control that shows the thief would see them.
        expect(plunder(loot, { ...knowledge, secret: newSecret }).some((what) => what.startsWith('opened'))).toBe(true);
      } finally {
        await subject.close();
      }
    });

    it('values stored before the outer layer are counted, opened, and given one by the re-seal', async () => {
      const subject = await makeSubject();
      const secret = randomBytes(32);
      try {
        const older = configured(secret);
        const store = await subject.open(older.sealing);
        const olderApp = useCasesOver(store, beforeTheOuterLayer(older.cipher));
        const session = await new StartSession({ sessions: store, generateKey: randomUUID }).execute();
        await olderApp.encode.execute({ key: session.key, image: fakeImage('one') });
        await olderApp.encode.execute({ key: session.key, image: fakeImage('two') });
        const summary = await olderApp.summary.execute({ key: session.key });

        const now = configured(secret);
        const nowStore = await subject.open(now.sealing);
        expect(await nowStore.countSealed()).toEqual({ current: 0, previous: 0, none: 4, other: 0 });
        expect(await useCasesOver(nowStore, now.cipher).summary.execute({ key: session.key })).toEqual(summary);
        expect(await nowStore.reseal()).toEqual({ current: 4, previous: 0, none: 0, other: 0 });
        expect(await useCasesOver(await subject.open(now.sealing), now.cipher).summary.execute({ key: session.key })).toEqual(summary);
      } finally {
        await subject.close();
      }
    });
  });
}
