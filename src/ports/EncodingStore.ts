/** Written only through `SessionStore.addImage`, so no entry exists without a session linking it. */
export interface EncodingStore {
  /** One per id, in the same order; `null` where nothing is stored. */
  findEntries(entryIds: readonly string[]): Promise<(Uint8Array | null)[]>;
}
