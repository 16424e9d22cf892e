import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EncodingStore } from '../../src/ports/EncodingStore.ts';
import type { SessionExpiry } from '../../src/ports/SessionExpiry.ts';
import type { ImageLink, SessionStore } from '../../src/ports/SessionStore.ts';

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
    // Storage sees only sealed bytes and ids: random ones are as good as real ones here.
    const image = (size = 300): { link: ImageLink; sealed: Buffer } => ({
      link: { entryId: id(), sealedSecret: randomBytes(92) },
      sealed: randomBytes(size),
    });
    const add = (target: Store, session: string, img: ReturnType<typeof image>, limit: number) =>
      target.addImage(session, img.link, img.sealed, limit);
    const idsOf = (images: readonly ReturnType<typeof image>[]) => images.map((img) => img.link.entryId);

    it('signals an unknown session with null', async () => {
      const unknown = id();
      expect(await store.listImages(unknown)).toBeNull();
      expect(await store.clearSession(unknown)).toBeNull();
      expect(await add(store, unknown, image(), 5)).toBe('no_session');
      expect(await store.findEntries([id()])).toEqual([null]);
    });

    it('creates an empty session', async () => {
      const session = id();
      await store.createSession(session);
      expect(await store.listImages(session)).toEqual([]);
    });

    it('keeps links in upload order and sealed bytes exactly as given', async () => {
      const session = id();
      await store.createSession(session);
      const images = [image(40), image(12_000), image(300)];
      for (const img of images) expect(await add(store, session, img, 5)).toBe('added');
      expect(await store.listImages(session)).toEqual(images.map((i) => i.link));
      expect(await store.findEntries(idsOf(images))).toEqual(images.map((i) => i.sealed));
    });

    it('reports a duplicate without taking a slot, even when the session is full', async () => {
      const session = id();
      await store.createSession(session);
      const first = image();
      expect(await add(store, session, first, 2)).toBe('added');
      expect(await add(store, session, first, 2)).toBe('duplicate');
      expect(await add(store, session, image(), 2)).toBe('added');
      expect(await add(store, session, first, 2)).toBe('duplicate');
      expect(await add(store, session, image(), 2)).toBe('full');
      expect(await store.listImages(session)).toHaveLength(2);
    });

    it('gives the last slot to exactly one of two concurrent adds', async () => {
      const session = id();
      await store.createSession(session);
      for (let n = 0; n < 4; n++) await add(store, session, image(), 5);
      const outcomes = await Promise.all([add(store, session, image(), 5), add(store, session, image(), 5)]);
      expect(outcomes.sort()).toEqual(['added', 'full']);
      expect(await store.listImages(session)).toHaveLength(5);
    });

    it('never exceeds the limit under many concurrent adds', async () => {
      const session = id();
      await store.createSession(session);
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => add(store, session, image(), 5)));
      expect(outcomes.filter((o) => o === 'added')).toHaveLength(5);
      expect(outcomes.filter((o) => o === 'full')).toHaveLength(15);
      expect(await store.listImages(session)).toHaveLength(5);
    });

    it('links one stored entry to many sessions, each with its own sealed secret, and keeps the first sealed entry', async () => {
      const [a, b] = [id(), id()];
      await store.createSession(a);
      await store.createSession(b);
      const shared = image();
      await add(store, a, shared, 5);
      const theirs = { link: { entryId: shared.link.entryId, sealedSecret: randomBytes(92) }, sealed: randomBytes(300) };
      expect(await add(store, b, theirs, 5)).toBe('added');
      expect(await store.listImages(a)).toEqual([shared.link]);
      expect(await store.listImages(b)).toEqual([theirs.link]);
      expect(await store.findEntries([shared.link.entryId])).toEqual([shared.sealed]);
    });

    it('clears a session, keeps it usable, and deletes only orphaned entries', async () => {
      const [a, b] = [id(), id()];
      await store.createSession(a);
      await store.createSession(b);
      const shared = image();
      const own = image();
      await add(store, a, shared, 5);
      await add(store, a, own, 5);
      await add(store, b, shared, 5);

      expect(await store.clearSession(a)).toEqual([own.link.entryId]);
      expect(await store.listImages(a)).toEqual([]);
      expect(await store.listImages(b)).toEqual([shared.link]);
      expect(await store.findEntries([shared.link.entryId, own.link.entryId])).toEqual([shared.sealed, null]);

      expect(await store.clearSession(b)).toEqual([shared.link.entryId]);
      expect(await store.findEntries([shared.link.entryId])).toEqual([null]);
      expect(await add(store, a, own, 5)).toBe('added');
      expect(await store.listImages(a)).toEqual([own.link]);
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
        expect(await add(timed, session, image(), 5)).toBe('no_session');
        expect(await timed.clearSession(session)).toBeNull();
      });

      it('deletes idle sessions with the entries only they used, and keeps the rest', async () => {
        const [idle, active] = [id(), id()];
        await timed.createSession(idle);
        await timed.createSession(active);
        const own = image();
        const shared = image();
        await add(timed, idle, own, 5);
        await add(timed, idle, shared, 5);
        await add(timed, active, shared, 5);

        now += TTL / 2;
        await timed.listImages(active);
        now += TTL / 2;
        expect(await timed.deleteExpired()).toEqual([own.link.entryId]);
        expect(await timed.findEntries([own.link.entryId, shared.link.entryId])).toEqual([null, shared.sealed]);
        expect(await timed.listImages(active)).toEqual([shared.link]);
        expect(await timed.deleteExpired()).toEqual([]);

        now += TTL;
        expect(await timed.deleteExpired()).toEqual([shared.link.entryId]);
        expect(await timed.findEntries([shared.link.entryId])).toEqual([null]);
      });
    });
  });
}
