import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageEncodings } from '../../src/domain/ImageEncodings.ts';
import type { EncodingStore } from '../../src/ports/EncodingStore.ts';
import type { SessionExpiry } from '../../src/ports/SessionExpiry.ts';
import type { SessionStore } from '../../src/ports/SessionStore.ts';

export type Store = SessionStore & EncodingStore;

/**
 * The one definition of how storage behaves. Every adapter runs it unchanged: a
 * difference between adapters is a bug in the adapter, never a case here.
 */
export function sessionStoreContract(
  name: string,
  makeStore: (expiry?: SessionExpiry) => Promise<Store> | Store,
  options: { skip?: boolean; afterEach?: () => Promise<void> } = {},
): void {
  describe.skipIf(options.skip ?? false)(`${name} storage contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
      await options.afterEach?.();
    });

    const id = () => randomBytes(32).toString('hex');
    const image = (faces = 1): ImageEncodings => ({
      sha256: id(),
      faces: Array.from({ length: faces }, (_, f) => ({
        encoding: Array.from({ length: 128 }, (_, i) => -0.09708715230226517 + f + i / 1000),
        box: { x: f, y: 2, width: 30, height: 40 },
      })),
    });

    it('signals an unknown session with null', async () => {
      const unknown = id();
      expect(await store.listImages(unknown)).toBeNull();
      expect(await store.clearSession(unknown)).toBeNull();
      expect(await store.addImage(unknown, image(), 5)).toBe('no_session');
      expect(await store.findEncodings([id()])).toEqual([null]);
    });

    it('creates an empty session', async () => {
      const session = id();
      await store.createSession(session);
      expect(await store.listImages(session)).toEqual([]);
    });

    it('keeps images in upload order and encodings exactly as given', async () => {
      const session = id();
      await store.createSession(session);
      const images = [image(1), image(2), image(1)];
      for (const img of images) expect(await store.addImage(session, img, 5)).toBe('added');
      expect(await store.listImages(session)).toEqual(images.map((i) => i.sha256));
      expect(await store.findEncodings(images.map((i) => i.sha256))).toEqual(images);
    });

    it('reports a duplicate without taking a slot, even when the session is full', async () => {
      const session = id();
      await store.createSession(session);
      const first = image();
      expect(await store.addImage(session, first, 2)).toBe('added');
      expect(await store.addImage(session, first, 2)).toBe('duplicate');
      expect(await store.addImage(session, image(), 2)).toBe('added');
      expect(await store.addImage(session, first, 2)).toBe('duplicate');
      expect(await store.addImage(session, image(), 2)).toBe('full');
      expect(await store.listImages(session)).toHaveLength(2);
    });

    it('gives the last slot to exactly one of two concurrent adds', async () => {
      const session = id();
      await store.createSession(session);
      for (let n = 0; n < 4; n++) await store.addImage(session, image(), 5);
      const outcomes = await Promise.all([store.addImage(session, image(), 5), store.addImage(session, image(), 5)]);
      expect(outcomes.sort()).toEqual(['added', 'full']);
      expect(await store.listImages(session)).toHaveLength(5);
    });

    it('never exceeds the limit under many concurrent adds', async () => {
      const session = id();
      await store.createSession(session);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.addImage(session, image(), 5)));
      expect(outcomes.filter((o) => o === 'added')).toHaveLength(5);
      expect(outcomes.filter((o) => o === 'full')).toHaveLength(15);
      expect(await store.listImages(session)).toHaveLength(5);
    });

    it('links one stored encoding to many sessions', async () => {
      const [a, b] = [id(), id()];
      await store.createSession(a);
      await store.createSession(b);
      const shared = image(2);
      await store.addImage(a, shared, 5);
      expect(await store.addImage(b, { sha256: shared.sha256, faces: shared.faces }, 5)).toBe('added');
      expect(await store.listImages(b)).toEqual([shared.sha256]);
      expect(await store.findEncodings([shared.sha256])).toEqual([shared]);
    });

    it('clears a session, keeps it usable, and deletes only orphaned encodings', async () => {
      const [a, b] = [id(), id()];
      await store.createSession(a);
      await store.createSession(b);
      const shared = image();
      const own = image();
      await store.addImage(a, shared, 5);
      await store.addImage(a, own, 5);
      await store.addImage(b, shared, 5);

      expect(await store.clearSession(a)).toEqual([own.sha256]);
      expect(await store.listImages(a)).toEqual([]);
      expect(await store.listImages(b)).toEqual([shared.sha256]);
      expect(await store.findEncodings([shared.sha256, own.sha256])).toEqual([shared, null]);

      expect(await store.clearSession(b)).toEqual([shared.sha256]);
      expect(await store.findEncodings([shared.sha256])).toEqual([null]);
      expect(await store.addImage(a, own, 5)).toBe('added');
      expect(await store.listImages(a)).toEqual([own.sha256]);
    });

    it('clearing an empty session deletes nothing', async () => {
      const session = id();
      await store.createSession(session);
      expect(await store.clearSession(session)).toEqual([]);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('never expires sessions without a TTL', async () => {
      const session = id();
      await store.createSession(session);
      expect(await store.deleteExpired()).toEqual([]);
      expect(await store.listImages(session)).toEqual([]);
    });

    describe('with an idle TTL', () => {
      const TTL = 1000;
      let now: number;
      let timed: Store;
      beforeEach(async () => {
        now = 1_800_000_000_000;
        timed = await makeStore({ clock: () => now, idleTtlMs: TTL });
      });
      afterEach(async () => {
        await timed.close();
      });

      it('keeps a session that is used within its TTL, however long it lives', async () => {
        const session = id();
        await timed.createSession(session);
        for (let step = 0; step < 5; step++) {
          now += TTL - 1;
          expect(await timed.listImages(session)).toEqual([]);
        }
        expect(await timed.deleteExpired()).toEqual([]);
        expect(await timed.listImages(session)).toEqual([]);
      });

      it('treats a session idle for its TTL as missing, everywhere', async () => {
        const session = id();
        await timed.createSession(session);
        now += TTL;
        expect(await timed.listImages(session)).toBeNull();
        expect(await timed.addImage(session, image(), 5)).toBe('no_session');
        expect(await timed.clearSession(session)).toBeNull();
      });

      it('deletes idle sessions with the encodings only they used, and keeps the rest', async () => {
        const [idle, active] = [id(), id()];
        await timed.createSession(idle);
        await timed.createSession(active);
        const own = image();
        const shared = image();
        await timed.addImage(idle, own, 5);
        await timed.addImage(idle, shared, 5);
        await timed.addImage(active, shared, 5);

        now += TTL / 2;
        await timed.listImages(active);
        now += TTL / 2;
        expect(await timed.deleteExpired()).toEqual([own.sha256]);
        expect(await timed.findEncodings([own.sha256, shared.sha256])).toEqual([null, shared]);
        expect(await timed.listImages(active)).toEqual([shared.sha256]);
        expect(await timed.deleteExpired()).toEqual([]);

        now += TTL;
        expect(await timed.deleteExpired()).toEqual([shared.sha256]);
        expect(await timed.findEncodings([shared.sha256])).toEqual([null]);
      });
    });
  });
}
