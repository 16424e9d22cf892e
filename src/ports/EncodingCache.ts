/**
 * Read cache of sealed image entries by entry id: it holds ciphertext only, like
 * storage. Safe without expiry because what an id maps to never changes; entries go
 * only when the entry is deleted. Missing is `null`.
 */
export interface EncodingCache {
  getMany(entryIds: readonly string[]): Promise<(Uint8Array | null)[]>;
  set(entryId: string, sealedEntry: Uint8Array): Promise<void>;
  delete(entryIds: readonly string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
