import type { Cipher } from '../ports/Cipher.ts';
import type { ImageLink } from '../ports/SessionStore.ts';
import type { ImageEncodings } from './ImageEncodings.ts';

/**
 * What is sealed at rest, and under which key (ARCHITECTURE.md, "Biometric data at rest").
 *
 * - An image's entry (its SHA-256 and every detail of its faces) is sealed under a key
 *   derived from the image's SHA-256, and stored under an id derived from it with
 *   another label (convergent sealing): only someone holding the image can find or open
 *   its entry, so the same bytes are encoded once across sessions.
 * - A session's link to an image holds that SHA-256 sealed under the session's key,
 *   derived from the API key, which the server never stores. Clearing or expiring the
 *   session deletes the links, and with them the only way back to the entries from what
 *   is stored.
 */
const purposes = {
  session: 'face-sessions v1: session key',
  entryId: 'face-sessions v1: entry id',
  entryKey: 'face-sessions v1: entry key',
} as const;

/** An image's SHA-256 and where its faces are kept; the key that opens them is derived only to seal or open. */
export interface ImageEntry {
  readonly sha256: string;
  readonly id: string;
}

export function imageEntryOf(cipher: Cipher, sha256: string): ImageEntry {
  return { sha256, id: Buffer.from(cipher.derive(sha256, purposes.entryId)).toString('hex') };
}

/** The key a session's links are sealed under; call only with a well-formed API key. */
export function sessionKeyOf(cipher: Cipher, apiKey: string): Uint8Array {
  return cipher.derive(apiKey, purposes.session);
}

/** The whole entry is sealed, not only the numbers: boxes, landmarks and pose are biometric too. */
export function sealImage(cipher: Cipher, entry: ImageEntry, image: ImageEncodings): Uint8Array {
  return cipher.seal(entryKeyOf(cipher, entry), Buffer.from(JSON.stringify(image)), entryContext(entry.id));
}

export function openImage(cipher: Cipher, entry: ImageEntry, sealed: Uint8Array): ImageEncodings | null {
  const plaintext = cipher.open(entryKeyOf(cipher, entry), sealed, entryContext(entry.id));
  return plaintext === null ? null : (JSON.parse(Buffer.from(plaintext).toString('utf8')) as ImageEncodings);
}

/** Bound to the session and the entry, so a link copied into another session or pointed elsewhere does not open. */
export function sealLink(cipher: Cipher, sessionKey: Uint8Array, keyHash: string, entry: ImageEntry): ImageLink {
  return { entryId: entry.id, sealedSecret: cipher.seal(sessionKey, Buffer.from(entry.sha256), linkContext(keyHash, entry.id)) };
}

/** The entry a link leads to, or `null` when this session's key cannot open it. */
export function openLink(cipher: Cipher, sessionKey: Uint8Array, keyHash: string, link: ImageLink): ImageEntry | null {
  const sha256 = cipher.open(sessionKey, link.sealedSecret, linkContext(keyHash, link.entryId));
  if (sha256 === null) return null;
  const entry = imageEntryOf(cipher, Buffer.from(sha256).toString('utf8'));
  return entry.id === link.entryId ? entry : null;
}

const entryKeyOf = (cipher: Cipher, entry: ImageEntry) => cipher.derive(entry.sha256, purposes.entryKey);
const entryContext = (id: string) => `entry ${id}`;
const linkContext = (keyHash: string, entryId: string) => `link ${keyHash} ${entryId}`;
