import { createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';

const serverSecret = randomBytes(32);
const cipher = new NodeCipher(serverSecret);
const key = cipher.derive('some input', 'test purpose');
const plaintext = Buffer.from('{"faces":[{"encoding":[0.1,0.2]}]}');
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('NodeCipher', () => {
  it('derives unkeyed with HKDF-SHA256 as before the server-held secret (RFC 5869 test case 3: no salt, no info)', () => {
    const ikm = '\x0b'.repeat(22);
    // The first 32 of the RFC's 42 output bytes.
    expect(hex(cipher.deriveUnkeyed(ikm, ''))).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d');
  });

  it('derives keyed as HKDF-SHA256 with the server-held secret as key material and "purpose NUL input" as info (RFC 5869, recomputed from HMAC)', () => {
    const prk = createHmac('sha256', Buffer.alloc(32)).update(serverSecret).digest(); // extract, with the RFC's default salt
    const okm = createHmac('sha256', prk).update(Buffer.from('purpose\0input\x01')).digest(); // expand, T(1)
    expect(hex(cipher.derive('input', 'purpose'))).toBe(okm.toString('hex'));
  });

  it('derives a different key for every purpose, every input and every server-held secret', () => {
    const other = new NodeCipher(randomBytes(32));
    const keys = [cipher.derive('a', 'one'), cipher.derive('a', 'two'), cipher.derive('b', 'one'), other.derive('a', 'one'), cipher.deriveUnkeyed('a', 'one')].map(hex);
    expect(new Set(keys).size).toBe(5);
    expect(cipher.derive('a', 'one')).toEqual(cipher.derive('a', 'one'));
    // The purpose and input are separated: moving a character from one to the other changes the key.
    expect(hex(cipher.derive('b', 'a'))).not.toBe(hex(cipher.derive('', 'a\0b')));
  });

  it('refuses a server-held secret shorter than 32 bytes', () => {
    expect(() => new NodeCipher(randomBytes(31))).toThrow('at least 32 bytes');
  });

  it('seals as AES-256-GCM: nonce, ciphertext, tag, readable by any standard implementation', () => {
    const sealed = Buffer.from(cipher.seal(key, plaintext, 'context'));
    expect(sealed.length).toBe(12 + plaintext.length + 16);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from('context'));
    decipher.setAuthTag(sealed.subarray(-16));
    expect(Buffer.concat([decipher.update(sealed.subarray(12, -16)), decipher.final()])).toEqual(plaintext);
  });

  it('opens what it sealed, and seals the same plaintext differently each time', () => {
    const [one, two] = [cipher.seal(key, plaintext, 'context'), cipher.seal(key, plaintext, 'context')];
    expect(Buffer.from(one).equals(Buffer.from(two))).toBe(false);
    expect(cipher.open(key, one, 'context')).toEqual(plaintext);
    expect(cipher.open(key, two, 'context')).toEqual(plaintext);
  });

  it('opens nothing with another key or context, altered bytes, or too few bytes', () => {
    const sealed = cipher.seal(key, plaintext, 'context');
    expect(cipher.open(cipher.derive('another secret', 'test purpose'), sealed, 'context')).toBeNull();
    expect(cipher.open(key, sealed, 'another context')).toBeNull();
    for (const at of [0, 12, sealed.length - 1]) {
      const altered = Buffer.from(sealed);
      altered[at]! ^= 1;
      expect(cipher.open(key, altered, 'context')).toBeNull();
    }
    expect(cipher.open(key, sealed.subarray(0, 27), 'context')).toBeNull();
    expect(cipher.open(key, new Uint8Array(0), 'context')).toBeNull();
  });

  it('opens a view into a larger buffer', () => {
    const sealed = cipher.seal(key, plaintext, 'context');
    const backing = Buffer.concat([Buffer.from('before'), sealed, Buffer.from('after')]);
    expect(cipher.open(key, new Uint8Array(backing.buffer, backing.byteOffset + 6, sealed.length), 'context')).toEqual(plaintext);
  });
});
