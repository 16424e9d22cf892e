import Keyv from 'keyv';
import QuickLRU from 'quick-lru';

export function memoryKeyv(maxEntries: number): Keyv<Buffer> {
  // QuickLRU keeps up to twice maxSize (a current and a previous generation).
  const store = new QuickLRU<string, Buffer>({ maxSize: Math.max(1, Math.ceil(maxEntries / 2)) });
  const keyv = new Keyv<Buffer>({ store, namespace: 'enc' });
  // Values are immutable: keep the buffers themselves instead of a base64 JSON copy to parse on every read.
  keyv.serialize = undefined;
  keyv.deserialize = undefined;
  return keyv;
}
