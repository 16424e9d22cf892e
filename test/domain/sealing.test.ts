import { describe, expect, it } from 'vitest';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';
import { hashApiKey, sha256Hex } from '../../src/domain/hashing.ts';
import type { ImageEncodings } from '../../src/domain/ImageEncodings.ts';
import { imageEntryOf, openImage, openLink, sealImage, sealLink, sessionKeyOf } from '../../src/domain/sealing.ts';

const cipher = new NodeCipher();
const apiKey = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const otherKey = '9b2e1c4a-7d3f-4e8a-9c1b-2a3d4e5f6a7b';
const sha256 = sha256Hex('image bytes');
const image: ImageEncodings = {
  sha256,
  faces: [{ encoding: Array.from({ length: 128 }, (_, i) => Math.fround(Math.sin(i))), box: { x: 1, y: 2, width: 3, height: 4 }, score: 0.9 }],
};

describe('sealing', () => {
  it('finds an image entry under an id that is neither the SHA-256 nor anything derived from the API key', () => {
    const entry = imageEntryOf(cipher, sha256);
    expect(entry.id).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.id).not.toBe(sha256);
    expect(imageEntryOf(cipher, sha256)).toEqual(entry);
    expect(imageEntryOf(cipher, sha256Hex('other bytes')).id).not.toBe(entry.id);
  });

  it('derives a session key from the API key that is not its stored hash', () => {
    expect(Buffer.from(sessionKeyOf(cipher, apiKey)).toString('hex')).not.toBe(hashApiKey(apiKey));
    expect(sessionKeyOf(cipher, apiKey)).not.toEqual(sessionKeyOf(cipher, otherKey));
  });

  it('seals the whole entry and opens it only with the key derived from the image', () => {
    const entry = imageEntryOf(cipher, sha256);
    const sealed = sealImage(cipher, entry, image);
    const text = Buffer.from(sealed).toString('latin1');
    expect(text).not.toContain('encoding');
    expect(text).not.toContain(sha256);
    expect(openImage(cipher, entry, sealed)).toEqual(image);
    const other = imageEntryOf(cipher, sha256Hex('other bytes'));
    expect(openImage(cipher, other, sealed)).toBeNull();
    // The right key under the wrong id: an entry moved to another id does not open.
    expect(openImage(cipher, { ...entry, id: other.id }, sealed)).toBeNull();
  });

  it('opens a link only with the key of the session it was sealed for', () => {
    const entry = imageEntryOf(cipher, sha256);
    const keyHash = hashApiKey(apiKey);
    const link = sealLink(cipher, sessionKeyOf(cipher, apiKey), keyHash, entry);
    expect(link.entryId).toBe(entry.id);
    expect(openLink(cipher, sessionKeyOf(cipher, apiKey), keyHash, link)).toEqual(entry);
    expect(openLink(cipher, sessionKeyOf(cipher, otherKey), hashApiKey(otherKey), link)).toBeNull();
    // Copied into another session's list with this session's key known: still bound to its own session.
    expect(openLink(cipher, sessionKeyOf(cipher, apiKey), hashApiKey(otherKey), link)).toBeNull();
    // Pointed at another entry: refused.
    expect(openLink(cipher, sessionKeyOf(cipher, apiKey), keyHash, { ...link, entryId: imageEntryOf(cipher, sha256Hex('x')).id })).toBeNull();
  });
});
