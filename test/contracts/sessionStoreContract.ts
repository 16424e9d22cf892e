import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageEncodings } from '../../src/domain/ImageEncodings.ts';
import type { EncodingStore } from '../../src/ports/EncodingStore.ts';
import type { SessionStore } from '../../src/ports/SessionStore.ts';

export type Store = SessionStore & EncodingStore;

/**
 * The one definition of how storage behaves. Every adapter runs it unchanged: a
 * difference between adapters is a bug in the adapter, never a case here.
 */
export function sessionStoreContract(
  name: string,
  makeStore: () => Promise<Store> | Store,
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
  });
}
