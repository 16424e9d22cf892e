/**
 * Sealed image entries by id, written only through `SessionStore.addImage` so an entry
 * never exists without a session that links it.
 */
export interface EncodingStore {
  /** One per id, in the same order; `null` where nothing is stored. */
  findEntries(entryIds: readonly string[]): Promise<(Uint8Array | null)[]>;
}
