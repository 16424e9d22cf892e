import { describe, expect, it } from 'vitest';
import { hashApiKey, isWellFormedKey, sha256Hex } from '../../src/domain/hashing.ts';

describe('hashing', () => {
  it('computes the standard SHA-256 of bytes (NIST test vectors)', () => {
    expect(sha256Hex(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256Hex(new Uint8Array())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('gives different bytes different hashes', () => {
    expect(sha256Hex(Uint8Array.of(1))).not.toBe(sha256Hex(Uint8Array.of(2)));
  });

  it('hashes API keys so the stored value is neither the key nor empty', () => {
    const key = '33a13f14-c6f3-4311-ad33-f8ccbe052ae5';
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toContain(key);
    expect(hashApiKey(key)).not.toBe(hashApiKey('43a13f14-c6f3-4311-ad33-f8ccbe052ae5'));
  });

  it('accepts only lower-case UUID v4 keys', () => {
    expect(isWellFormedKey('33a13f14-c6f3-4311-ad33-f8ccbe052ae5')).toBe(true);
    for (const bad of ['', 'abc', '33a13f14-c6f3-1311-ad33-f8ccbe052ae5', "'33a13f14-c6f3-4311-ad33-f8ccbe052ae5'", '33a13f14-c6f3-4311-ad33-f8ccbe052ae5 ']) {
      expect(isWellFormedKey(bad)).toBe(false);
    }
  });
});
