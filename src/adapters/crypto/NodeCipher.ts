import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { Cipher } from '../../ports/Cipher.ts';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const NO_SALT = new Uint8Array(0);
/** The shortest server-held secret accepted: as long as the keys it derives. */
export const SEAL_SECRET_BYTES = 32;

/**
 * AES-256-GCM with a random 96-bit nonce per seal, and HKDF-SHA256 (RFC 5869). The
 * server-held secret is HKDF's input key material, and what a key is for (purpose, then
 * input) its `info`: the RFC's way to derive many keys from one secret, each bound to
 * its context. The salt stays empty, as the RFC has it non-secret and every secret here
 * is already uniformly random. Sealed bytes are nonce, then ciphertext, then the 128-bit
 * tag. A random nonce is safe here: no key seals anywhere near the 2^32 messages where
 * nonce collisions start to matter.
 */
export class NodeCipher implements Cipher {
  readonly #secret: Buffer;

  constructor(sealSecret: Uint8Array) {
    if (sealSecret.byteLength < SEAL_SECRET_BYTES) throw new Error(`the sealing secret must be at least ${SEAL_SECRET_BYTES} bytes`);
    this.#secret = Buffer.from(sealSecret);
  }

  derive(input: string, purpose: string): Uint8Array {
    // The purpose never holds a NUL, so no two (purpose, input) pairs give the same info.
    return new Uint8Array(hkdfSync('sha256', this.#secret, NO_SALT, `${purpose}\0${input}`, 32));
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
      // The tag did not verify: another key, another context, or altered bytes. Nothing to tell apart.
      return null;
    }
  }
}
