import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';

const cipher = new NodeCipher();
const key = cipher.derive('some high-entropy secret', 'test purpose');
const plaintext = Buffer.from('{"faces":[{"encoding":[0.1,0.2]}]}');

describe('NodeCipher', () => {
  it('derives with HKDF-SHA256 (RFC 5869 test case 3: no salt, no info)', () => {
    const ikm = '\x0b'.repeat(22);
    // The first 32 of the RFC's 42 output bytes.
    expect(Buffer.from(cipher.derive(ikm, '')).toString('hex')).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d');
  });

  it('derives a different key for every purpose and every secret', () => {
    const keys = [cipher.derive('a', 'one'), cipher.derive('a', 'two'), cipher.derive('b', 'one')].map((k) => Buffer.from(k).toString('hex'));
    expect(new Set(keys).size).toBe(3);
    expect(cipher.derive('a', 'one')).toEqual(cipher.derive('a', 'one'));
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
