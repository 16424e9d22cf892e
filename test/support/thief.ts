import { createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';
import type { Cipher } from '../../src/ports/Cipher.ts';
import { hashApiKey } from '../../src/domain/hashing.ts';
import { type ImageEntry, imageEntryOf, openImage, openLink, sessionKeyOf, storageSealingOf } from '../../src/domain/sealing.ts';
import { v2EntryIdOf } from './sealedV2.ts';

/** What a copy of storage gives away: every name and id in it as text, and every stored value as bytes. */
export interface Loot {
  readonly text: string;
  readonly values: readonly Buffer[];
}

/** What the thief brings besides the copy: photos' SHA-256 (or the photos), maybe API keys, maybe the server-held secret. */
export interface Knowledge {
  readonly sha256s: readonly string[];
  readonly apiKeys?: readonly string[];
  readonly secret?: Buffer;
}

/** Values as Redis keeps them (base64 text, alone or after an id), and as an AOF or a dump holds them. */
export function lootOfText(raw: Buffer): Loot {
  const text = raw.toString('latin1');
  const runs = new Set([...text.matchAll(/[A-Za-z0-9+/]{24,}={0,2}/g)].map((run) => run[0]));
  return { text, values: [...runs].map((run) => Buffer.from(run, 'base64')) };
}

/**
 * Someone who knows this code and holds a copy of storage tries every way it knows to
 * find and open a photo's faces: ids as each build derived them (schema 2: from the
 * image alone; now: with the secret and the API key; schema 2 upgraded: with the
 * secret), looked for in the copy; and every stored value opened as an entry or a link
 * under every key it can derive, bound to every id the copy holds. Without the secret it
 * derives with a guessed one; without API keys, with random ones. Returns what it found
 * or opened.
 */
export function plunder(loot: Loot, knowledge: Knowledge): string[] {
  const cipher = rememberingDerivations(withRootOf(loot, new NodeCipher(knowledge.secret ?? randomBytes(32))));
  const sealing = storageSealingOf(cipher);
  const apiKeys = [...(knowledge.apiKeys ?? []), randomUUID()];
  const ids = new Set(loot.text.match(/[0-9a-f]{64}/g) ?? []);
  const got: string[] = [];
  for (const [photo, sha256] of knowledge.sha256s.entries()) {
    const v2Id = v2EntryIdOf(sha256);
    const candidates: [string, ImageEntry | undefined][] = [
      ['schema-2 id', undefined],
      ['upgraded schema-2 id', { sha256, id: sealing.v2EntryId(v2Id), v2Id }],
      ...apiKeys.map((apiKey, n): [string, ImageEntry] => [`id with API key ${n}`, imageEntryOf(cipher, apiKey, sha256)]),
    ];
    for (const [what, entry] of candidates) if (ids.has(entry?.id ?? v2Id)) got.push(`found the ${what} of photo ${photo}`);
    const v2Key = Buffer.from(hkdfSync('sha256', sha256, new Uint8Array(0), 'face-sessions v1: entry key', 32));
    for (const [n, value] of loot.values.entries()) {
      for (const id of ids) {
        if (openGcm(v2Key, value, `entry ${id}`)) got.push(`opened value ${n} as photo ${photo}'s schema-2 entry`);
        for (const [what, entry] of candidates) {
          if (entry && openImage(cipher, { ...entry, id }, value)) got.push(`opened value ${n} as photo ${photo}'s entry (${what})`);
        }
      }
    }
  }
  for (const [n, apiKey] of apiKeys.entries()) {
    const session = sessionKeyOf(cipher, apiKey, hashApiKey(apiKey));
    const v2SessionKey = Buffer.from(hkdfSync('sha256', apiKey, new Uint8Array(0), 'face-sessions v1: session key', 32));
    for (const [v, value] of loot.values.entries()) {
      for (const id of ids) {
        if (openLink(cipher, session, { entryId: id, sealedSecret: value })) got.push(`opened value ${v} as a link with API key ${n}`);
        if (openGcm(v2SessionKey, value, `link ${session.keyHash} ${id}`)) got.push(`opened value ${v} as a schema-2 link with API key ${n}`);
      }
    }
  }
  return got;
}

/** With the secret the copy's seal record was sealed under, the root it holds; otherwise the secret itself is the guess. */
function withRootOf(loot: Loot, cipher: NodeCipher): NodeCipher {
  const record = /\{"current":"[0-9a-f]+","root":"[^"]+"(,"previous":"[0-9a-f]+")?\}/.exec(loot.text)?.[0];
  try {
    if (record) cipher.adopt(record, null, 'the copy');
  } catch {
    // Sealed under another secret: the thief keeps its guess.
  }
  return cipher;
}

/** The thief derives the same few keys for every value it tries: once is enough. */
function rememberingDerivations(cipher: Cipher): Cipher {
  const known = new Map<string, Uint8Array>();
  const remember = (name: string, derive: () => Uint8Array) => {
    let key = known.get(name);
    if (!key) known.set(name, (key = derive()));
    return key;
  };
  return {
    derive: (input, purpose) => remember(`keyed ${purpose}\0${input}`, () => cipher.derive(input, purpose)),
    deriveUnkeyed: (secret, purpose) => remember(`unkeyed ${purpose}\0${secret}`, () => cipher.deriveUnkeyed(secret, purpose)),
    seal: (key, plaintext, context) => cipher.seal(key, plaintext, context),
    open: (key, sealed, context) => cipher.open(key, sealed, context),
    sealAtRest: (plaintext, context) => cipher.sealAtRest(plaintext, context),
    openAtRest: (stored, context) => cipher.openAtRest(stored, context),
    sealedUnder: (stored) => cipher.sealedUnder(stored),
    adopt: (record, legacyCheck, storage) => cipher.adopt(record, legacyCheck, storage),
    settled: (record) => cipher.settled(record),
  };
}

/** AES-256-GCM as every build sealed: nonce, ciphertext, tag. */
function openGcm(key: Buffer, sealed: Buffer, context: string): boolean {
  if (sealed.length < 28) return false;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12), { authTagLength: 16 });
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(sealed.subarray(-16));
  decipher.update(sealed.subarray(12, -16));
  try {
    decipher.final();
    return true;
  } catch {
    return false;
  }
}
