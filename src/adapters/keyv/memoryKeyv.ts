import Keyv from 'keyv';
import QuickLRU from 'quick-lru';
import type { ImageEncodings } from '../../domain/ImageEncodings.ts';

/** keyv over an LRU bounded by entry count, so the cache cannot grow without limit. */
export function memoryKeyv(maxEntries: number): Keyv<ImageEncodings> {
  // QuickLRU keeps up to twice maxSize (a current and a previous generation).
  const store = new QuickLRU<string, ImageEncodings>({ maxSize: Math.max(1, Math.ceil(maxEntries / 2)) });
  const keyv = new Keyv<ImageEncodings>({ store, namespace: 'enc' });
  // Values are immutable: keep the objects themselves instead of a JSON copy to parse on every read.
  keyv.serialize = undefined;
  keyv.deserialize = undefined;
  return keyv;
}
