import type { Cipher } from '../ports/Cipher.ts';
import type { ImageLink, StorageSealing } from '../ports/SessionStore.ts';
import type { ImageEncodings } from './ImageEncodings.ts';

// What is sealed under which key, and the schema-2 upgrade: docs/adr/0009-security-and-biometric-data-at-rest.md.
// Every id and key derives from the server-held secret and the session's API key, which the server never stores.
const purposes = {
  session: 'face-sessions v3: session key',
  entryId: 'face-sessions v3: entry id',
  entryKey: 'face-sessions v3: entry key',
  v2EntryId: 'face-sessions v3: id of a v2 entry',
  v2EntryWrap: 'face-sessions v3: key of a v2 entry',
  v2LinkWrap: 'face-sessions v3: key of v2 links',
} as const;

/** Schema 2's labels (they said v1), derived without the secret. */
const v2Purposes = {
  session: 'face-sessions v1: session key',
  entryId: 'face-sessions v1: entry id',
  entryKey: 'face-sessions v1: entry key',
} as const;

/** An image's SHA-256 and where this session keeps its faces; the key that opens them is derived only to seal or open. */
export type ImageEntry = CurrentEntry | V2Entry;
interface CurrentEntry {
  readonly sha256: string;
  readonly id: string;
  readonly apiKey: string;
}
interface V2Entry {
  readonly sha256: string;
  readonly id: string;
  readonly v2Id: string;
}

export interface SessionKey {
  readonly apiKey: string;
  readonly keyHash: string;
  readonly key: Uint8Array;
}

/** Call only with a well-formed API key. */
export function imageEntryOf(cipher: Cipher, apiKey: string, sha256: string): CurrentEntry {
  return { sha256, id: hex(cipher.derive(`${apiKey} ${sha256}`, purposes.entryId)), apiKey };
}

/** The schema-2 entry of these bytes, if the session holds one (`heldIds`: its links' entry ids). */
export function heldV2EntryOf(cipher: Cipher, sha256: string, heldIds: readonly string[]): V2Entry | undefined {
  if (heldIds.length === 0) return undefined;
  const entry = v2EntryOf(cipher, sha256);
  return heldIds.includes(entry.id) ? entry : undefined;
}

export function sessionKeyOf(cipher: Cipher, apiKey: string, keyHash: string): SessionKey {
  return { apiKey, keyHash, key: cipher.derive(apiKey, purposes.session) };
}

/** The whole entry is sealed, not only the numbers: boxes, landmarks and pose are biometric too. */
export function sealImage(cipher: Cipher, entry: CurrentEntry, image: ImageEncodings): Uint8Array {
  const inner = cipher.seal(entryKeyOf(cipher, entry), Buffer.from(JSON.stringify(image)), entryContext(entry.id));
  return cipher.sealAtRest(inner, entryAtRest(entry.id));
}

export function openImage(cipher: Cipher, entry: ImageEntry, stored: Uint8Array): ImageEncodings | null {
  const sealed = cipher.openAtRest(stored, entryAtRest(entry.id));
  if (sealed === null) return null;
  const plaintext =
    'apiKey' in entry
      ? cipher.open(entryKeyOf(cipher, entry), sealed, entryContext(entry.id))
      : openV2Entry(cipher, entry, sealed);
  return plaintext === null ? null : (JSON.parse(Buffer.from(plaintext).toString('utf8')) as ImageEncodings);
}

/** Bound to the session and the entry, so a link copied into another session or pointed elsewhere does not open. */
export function sealLink(cipher: Cipher, session: SessionKey, entry: CurrentEntry): ImageLink {
  const inner = cipher.seal(session.key, Buffer.from(entry.sha256), linkContext(session.keyHash, entry.id));
  return { entryId: entry.id, sealedSecret: cipher.sealAtRest(inner, linkAtRest(session.keyHash, entry.id)) };
}

/** The entry a link leads to, or `null` when this session's key cannot open it. */
export function openLink(cipher: Cipher, session: SessionKey, stored: ImageLink): ImageEntry | null {
  const sealedSecret = cipher.openAtRest(stored.sealedSecret, linkAtRest(session.keyHash, stored.entryId));
  if (sealedSecret === null) return null;
  const link = { entryId: stored.entryId, sealedSecret };
  const sha256 = cipher.open(session.key, link.sealedSecret, linkContext(session.keyHash, link.entryId));
  if (sha256 === null) return openV2Link(cipher, session, link);
  const entry = imageEntryOf(cipher, session.apiKey, Buffer.from(sha256).toString('utf8'));
  return entry.id === link.entryId ? entry : null;
}

/** Re-keys schema-2 data with no API key at hand; what that protects: docs/adr/0009-security-and-biometric-data-at-rest.md, "Threat model". */
export function storageSealingOf(cipher: Cipher): StorageSealing {
  const v2EntryId = (v2Id: string) => hex(cipher.derive(v2Id, purposes.v2EntryId));
  const reseal = (stored: Uint8Array, context: string) => {
    if (cipher.sealedUnder(stored) === 'current') return null;
    const inner = cipher.openAtRest(stored, context);
    return inner && cipher.sealAtRest(inner, context);
  };
  return {
    adopt: (record, legacyCheck, storage) => cipher.adopt(record, legacyCheck, storage),
    settled: (record) => cipher.settled(record),
    sealedUnder: (stored) => cipher.sealedUnder(stored),
    resealEntry: (entryId, stored) => reseal(stored, entryAtRest(entryId)),
    resealLink(keyHash, link) {
      const sealedSecret = reseal(link.sealedSecret, linkAtRest(keyHash, link.entryId));
      return sealedSecret && { entryId: link.entryId, sealedSecret };
    },
    v2EntryId,
    upgradeV2Entry: (v2Id, sealed) => cipher.seal(cipher.derive(v2Id, purposes.v2EntryWrap), sealed, v2EntryContext(v2EntryId(v2Id))),
    upgradeV2Link(keyHash, link) {
      const entryId = v2EntryId(link.entryId);
      // The old id goes inside: it is what the link's old seal is bound to.
      const wrapped = Buffer.concat([Buffer.from(link.entryId, 'hex'), link.sealedSecret]);
      return { entryId, sealedSecret: cipher.seal(cipher.derive(keyHash, purposes.v2LinkWrap), wrapped, v2LinkContext(keyHash, entryId)) };
    },
  };
}

function v2EntryOf(cipher: Cipher, sha256: string): V2Entry {
  const v2Id = hex(cipher.deriveUnkeyed(sha256, v2Purposes.entryId));
  return { sha256, id: hex(cipher.derive(v2Id, purposes.v2EntryId)), v2Id };
}

function openV2Entry(cipher: Cipher, entry: V2Entry, sealed: Uint8Array): Uint8Array | null {
  const inner = cipher.open(cipher.derive(entry.v2Id, purposes.v2EntryWrap), sealed, v2EntryContext(entry.id));
  return inner && cipher.open(cipher.deriveUnkeyed(entry.sha256, v2Purposes.entryKey), inner, entryContext(entry.v2Id));
}

function openV2Link(cipher: Cipher, session: SessionKey, link: ImageLink): V2Entry | null {
  const { keyHash } = session;
  const wrapped = cipher.open(cipher.derive(keyHash, purposes.v2LinkWrap), link.sealedSecret, v2LinkContext(keyHash, link.entryId));
  if (wrapped === null || wrapped.byteLength <= ID_BYTES) return null;
  const v2Id = hex(wrapped.subarray(0, ID_BYTES));
  const sha256 = cipher.open(cipher.deriveUnkeyed(session.apiKey, v2Purposes.session), wrapped.subarray(ID_BYTES), linkContext(keyHash, v2Id));
  if (sha256 === null) return null;
  const entry = v2EntryOf(cipher, Buffer.from(sha256).toString('utf8'));
  return entry.id === link.entryId && entry.v2Id === v2Id ? entry : null;
}

const ID_BYTES = 32;
const hex = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const entryKeyOf = (cipher: Cipher, entry: CurrentEntry) => cipher.derive(`${entry.apiKey} ${entry.sha256}`, purposes.entryKey);
const entryContext = (id: string) => `entry ${id}`;
const linkContext = (keyHash: string, entryId: string) => `link ${keyHash} ${entryId}`;
const v2EntryContext = (id: string) => `v2 entry ${id}`;
const v2LinkContext = (keyHash: string, entryId: string) => `v2 link ${keyHash} ${entryId}`;
const entryAtRest = (id: string) => `at rest: entry ${id}`;
const linkAtRest = (keyHash: string, entryId: string) => `at rest: link ${keyHash} ${entryId}`;
