import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Failure } from '../../domain/Failure.ts';
import { type Cipher, SEAL_SECRET_BYTES, type SealedUnder, type SealRecordDecision } from '../../ports/Cipher.ts';
import { SealMismatchError } from '../SealMismatchError.ts';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const NO_SALT = new Uint8Array(0);

/** The outer layer's mark: these 4 bytes, then the first 8 of its secret's check. */
const AT_REST_MAGIC = Buffer.from('fs4\0');
export const AT_REST_HEADER_BYTES = AT_REST_MAGIC.length + 8;

/** The check's label is kept from schema 3, so a stored check still matches. */
const secretPurposes = {
  check: 'face-sessions v3: seal check',
  atRest: 'face-sessions v4: at rest',
  rootWrap: 'face-sessions v4: root',
} as const;

interface SealRecord {
  readonly current: string;
  /** Sealed under the current secret. */
  readonly root: string;
  readonly previous?: string;
}

/** Random 96-bit nonces: no key seals near the 2^32 messages where they collide. Empty HKDF salt: the secrets are uniform (RFC 5869). Rotation: docs/adr/0009-security-and-biometric-data-at-rest.md. */
export class NodeCipher implements Cipher {
  readonly #current: SecretKeys;
  readonly #previous: SecretKeys | undefined;
  #root: Buffer | undefined;

  /** `previous`: the secret being rotated away from; `rootFromStorage`: derive nothing until `adopt` has read the root. */
  constructor(secret: Uint8Array, options: { previous?: Uint8Array; rootFromStorage?: boolean } = {}) {
    this.#current = secretKeys(secret);
    this.#previous = options.previous && secretKeys(options.previous);
    if (this.#previous?.check === this.#current.check) throw new Error('the previous sealing secret is the current one');
    if (!options.rootFromStorage) this.#root = Buffer.from(secret);
  }

  derive(input: string, purpose: string): Uint8Array {
    // Before storage has said which root it holds, any id or key would be derived from a guess.
    if (this.#root === undefined) throw new Failure('storage_unavailable', 'Storage is unavailable; try again shortly.', { retryAfterSeconds: 1 });
    return hkdf(this.#root, purpose, input);
  }

  deriveUnkeyed(secret: string, purpose: string): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', secret, NO_SALT, purpose, 32));
  }

  seal(key: Uint8Array, plaintext: Uint8Array, context: string): Uint8Array {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context));
    return Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  open(key: Uint8Array, sealed: Uint8Array, context: string): Uint8Array | null {
    if (sealed.byteLength < NONCE_BYTES + TAG_BYTES) return null;
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const plaintext = decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([plaintext, decipher.final()]);
    } catch {
      return null;
    }
  }

  sealAtRest(plaintext: Uint8Array, context: string): Uint8Array {
    return Buffer.concat([this.#current.header, this.seal(this.#current.atRest, plaintext, context)]);
  }

  openAtRest(stored: Uint8Array, context: string): Uint8Array | null {
    const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    const keys = [this.#current, this.#previous].find((candidate) => candidate && startsWith(bytes, candidate.header));
    if (keys) return this.open(keys.atRest, bytes.subarray(AT_REST_HEADER_BYTES), context);
    // A value from before the outer layer starts with a random nonce: one in 2^32 of them reads as marked, and is lost.
    return startsWith(bytes, AT_REST_MAGIC) ? null : bytes;
  }

  sealedUnder(stored: Uint8Array): SealedUnder {
    const bytes = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
    if (startsWith(bytes, this.#current.header)) return 'current';
    if (this.#previous && startsWith(bytes, this.#previous.header)) return 'previous';
    return startsWith(bytes, AT_REST_MAGIC) ? 'other' : 'none';
  }

  get check(): string {
    return this.#current.check;
  }

  /** A new secret with storage's as `previous` begins a rotation. */
  adopt(stored: string | null, legacyCheck: string | null, storage: string): SealRecordDecision {
    const record = stored === null ? undefined : (JSON.parse(stored) as SealRecord);
    const recordedCheck = record?.current ?? legacyCheck;
    const [current, previous] = [this.#current, this.#previous];
    let root: Buffer;
    let next: SealRecord;
    if (recordedCheck === null || recordedCheck === current.check) {
      if (record?.previous !== undefined && record.previous !== previous?.check) {
        throw new SealMismatchError(
          storage,
          previous === undefined
            ? `${storage} may still hold values sealed under the previous sealing secret: set SEAL_SECRET_PREVIOUS (or _FILE) to it and run \`npm run reseal\`, which says when it can go`
            : `${storage} is being moved off another previous sealing secret than the one configured (SEAL_SECRET_PREVIOUS)`,
        );
      }
      root = record ? this.#openRoot(current, record.root, storage) : Buffer.from(current.secret);
      next = { current: current.check, root: record?.root ?? this.#sealRoot(root), ...(record?.previous !== undefined && { previous: record.previous }) };
    } else if (previous !== undefined && recordedCheck === previous.check) {
      if (record?.previous !== undefined) {
        throw new SealMismatchError(storage, `${storage} is still being moved off the secret before SEAL_SECRET_PREVIOUS: run \`npm run reseal\` with the previous configuration until it reports none left`);
      }
      root = record ? this.#openRoot(previous, record.root, storage) : Buffer.from(previous.secret);
      next = { current: current.check, root: this.#sealRoot(root), previous: previous.check };
    } else {
      throw new SealMismatchError(storage);
    }
    this.#root = root;
    const text = JSON.stringify(next);
    return { record: text, changed: text !== stored, previousNeeded: next.previous !== undefined };
  }

  settled(stored: string): string {
    const { previous: _, ...record } = JSON.parse(stored) as SealRecord;
    return JSON.stringify(record);
  }

  #sealRoot(root: Buffer): string {
    return Buffer.from(this.seal(this.#current.rootWrap, root, 'root')).toString('base64');
  }

  #openRoot(keys: SecretKeys, sealed: string, storage: string): Buffer {
    const root = this.open(keys.rootWrap, Buffer.from(sealed, 'base64'), 'root');
    if (root === null) throw new SealMismatchError(storage, `${storage} holds a sealing record its check matches but its root does not open: it was altered`);
    return Buffer.from(root);
  }
}

interface SecretKeys {
  readonly secret: Buffer;
  readonly check: string;
  readonly header: Buffer;
  readonly atRest: Uint8Array;
  readonly rootWrap: Uint8Array;
}

function secretKeys(secret: Uint8Array): SecretKeys {
  if (secret.byteLength < SEAL_SECRET_BYTES) throw new Error(`the sealing secret must be at least ${SEAL_SECRET_BYTES} bytes`);
  const key = Buffer.from(secret);
  const check = Buffer.from(hkdf(key, secretPurposes.check, ''));
  return {
    secret: key,
    check: check.toString('hex'),
    header: Buffer.concat([AT_REST_MAGIC, check.subarray(0, 8)]),
    atRest: hkdf(key, secretPurposes.atRest, ''),
    rootWrap: hkdf(key, secretPurposes.rootWrap, ''),
  };
}

// The purpose never holds a NUL, so no two (purpose, input) pairs give the same info.
const hkdf = (key: Buffer, purpose: string, input: string) => new Uint8Array(hkdfSync('sha256', key, NO_SALT, `${purpose}\0${input}`, 32));
const startsWith = (bytes: Buffer, prefix: Buffer) => bytes.byteLength >= prefix.byteLength && bytes.subarray(0, prefix.byteLength).equals(prefix);
