/** Ciphertext only, like storage; no expiry needed, as what an id maps to never changes. Missing is `null`. */
export interface EncodingCache {
  getMany(entryIds: readonly string[]): Promise<(Uint8Array | null)[]>;
  set(entryId: string, sealedEntry: Uint8Array): Promise<void>;
  delete(entryIds: readonly string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
