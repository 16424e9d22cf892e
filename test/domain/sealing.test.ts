import { describe, expect, it } from 'vitest';
import { hashApiKey, sha256Hex } from '../../src/domain/hashing.ts';
import type { ImageEncodings } from '../../src/domain/ImageEncodings.ts';
import { heldV2EntryOf, imageEntryOf, openImage, openLink, sealImage, sealLink, sessionKeyOf } from '../../src/domain/sealing.ts';
import { v2Data, v2EntryIdOf, v2Images, v2Keys } from '../support/sealedV2.ts';
import { freshSealing } from '../support/sealing.ts';

const { cipher, sealing } = freshSealing();
const other = freshSealing(); // another server-held secret
const apiKey = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';
const otherKey = '9b2e1c4a-7d3f-4e8a-9c1b-2a3d4e5f6a7b';
const keyHash = hashApiKey(apiKey);
const sha256 = sha256Hex('image bytes');
const image: ImageEncodings = {
  sha256,
  faces: [{ encoding: Array.from({ length: 128 }, (_, i) => Math.fround(Math.sin(i))), box: { x: 1, y: 2, width: 3, height: 4 }, score: 0.9 }],
};
const session = sessionKeyOf(cipher, apiKey, keyHash);

describe('sealing', () => {
  it('keeps each session\'s faces of an image under an id of its own, which needs the server-held secret', () => {
    const entry = imageEntryOf(cipher, apiKey, sha256);
    expect(entry.id).toMatch(/^[0-9a-f]{64}$/);
    expect(imageEntryOf(cipher, apiKey, sha256)).toEqual(entry);
    const elsewhere = [
      imageEntryOf(cipher, otherKey, sha256), // the same bytes in another session
      imageEntryOf(cipher, apiKey, sha256Hex('other bytes')),
      imageEntryOf(other.cipher, apiKey, sha256), // another secret
    ].map((e) => e.id);
    expect(new Set([entry.id, sha256, v2EntryIdOf(sha256), ...elsewhere]).size).toBe(6);
  });

  it('derives a session key from the API key and the secret that is not its stored hash', () => {
    expect(Buffer.from(session.key).toString('hex')).not.toBe(keyHash);
    expect(session.key).not.toEqual(sessionKeyOf(cipher, otherKey, hashApiKey(otherKey)).key);
    expect(session.key).not.toEqual(sessionKeyOf(other.cipher, apiKey, keyHash).key);
  });

  it('seals the whole entry and opens it only with this session\'s key for this image, under this secret', () => {
    const entry = imageEntryOf(cipher, apiKey, sha256);
    const sealed = sealImage(cipher, entry, image);
    const text = Buffer.from(sealed).toString('latin1');
    expect(text).not.toContain('encoding');
    expect(text).not.toContain(sha256);
    expect(openImage(cipher, entry, sealed)).toEqual(image);
    expect(openImage(cipher, imageEntryOf(cipher, otherKey, sha256), sealed)).toBeNull();
    expect(openImage(other.cipher, imageEntryOf(other.cipher, apiKey, sha256), sealed)).toBeNull();
    // The right key under the wrong id: an entry moved to another id does not open.
    expect(openImage(cipher, { ...entry, id: imageEntryOf(cipher, apiKey, sha256Hex('x')).id }, sealed)).toBeNull();
  });

  it('opens a link only with the key of the session it was sealed for', () => {
    const entry = imageEntryOf(cipher, apiKey, sha256);
    const link = sealLink(cipher, session, entry);
    expect(link.entryId).toBe(entry.id);
    expect(openLink(cipher, session, link)).toEqual(entry);
    expect(openLink(cipher, sessionKeyOf(cipher, otherKey, hashApiKey(otherKey)), link)).toBeNull();
    expect(openLink(other.cipher, sessionKeyOf(other.cipher, apiKey, keyHash), link)).toBeNull();
    // Copied into another session's list with this session's key known: still bound to its own session.
    expect(openLink(cipher, { ...session, keyHash: hashApiKey(otherKey) }, link)).toBeNull();
    // Pointed at another entry: refused.
    expect(openLink(cipher, session, { ...link, entryId: imageEntryOf(cipher, apiKey, sha256Hex('x')).id })).toBeNull();
  });

  it('gives a check of the secret that changes with it and shows none of it', () => {
    expect(cipher.check).toMatch(/^[0-9a-f]{64}$/);
    expect(other.cipher.check).not.toBe(cipher.check);
    const { secret, cipher: again } = freshSealing(Buffer.alloc(32, 7));
    expect(freshSealing(Buffer.alloc(32, 7)).cipher.check).toBe(again.check);
    expect([secret.toString('hex'), secret.toString('base64')].some((text) => again.check.includes(text))).toBe(false);
  });
});

describe('data sealed before the server-held secret (schema 2, by that build)', () => {
  const session = sessionKeyOf(cipher, v2Keys.a, hashApiKey(v2Keys.a));
  const [, v2Link] = v2Data.links(v2Keys.a); // "one", then "both"
  const v2Id = v2EntryIdOf(v2Images.both.sha256);
  const upgradedEntry = sealing.upgradeV2Entry(v2Id, v2Data.entry(v2Id));
  const upgradedLink = sealing.upgradeV2Link(session.keyHash, v2Link!);

  it('is re-keyed by the upgrade: a new id, and neither the old id nor the old seal in what is stored', () => {
    expect(v2Link!.entryId).toBe(v2Id);
    expect(upgradedLink.entryId).toBe(sealing.v2EntryId(v2Id));
    expect(upgradedLink.entryId).not.toBe(v2Id);
    const stored = Buffer.concat([upgradedEntry, upgradedLink.sealedSecret]);
    expect(stored.includes(Buffer.from(v2Id, 'hex'))).toBe(false);
    expect(stored.includes(v2Data.entry(v2Id).subarray(0, 32))).toBe(false);
    expect(stored.includes(v2Link!.sealedSecret.subarray(0, 32))).toBe(false);
  });

  it('opens with its session\'s API key, and is found again by the bytes for that session', () => {
    const entry = openLink(cipher, session, upgradedLink);
    expect(entry).toMatchObject({ sha256: v2Images.both.sha256, id: upgradedLink.entryId });
    expect(openImage(cipher, entry!, upgradedEntry)).toEqual(v2Images.both);
    expect(heldV2EntryOf(cipher, v2Images.both.sha256, [upgradedLink.entryId])).toEqual(entry);
    expect(heldV2EntryOf(cipher, v2Images.both.sha256, [])).toBeUndefined();
    expect(heldV2EntryOf(cipher, v2Images.one.sha256, [upgradedLink.entryId])).toBeUndefined();
  });

  it('opens nothing under another secret, or with another session\'s key; the other session\'s own link opens for it', () => {
    const sessionB = sessionKeyOf(cipher, v2Keys.b, hashApiKey(v2Keys.b));
    expect(openLink(other.cipher, sessionKeyOf(other.cipher, v2Keys.a, session.keyHash), upgradedLink)).toBeNull();
    expect(openLink(cipher, sessionB, upgradedLink)).toBeNull();
    expect(openImage(other.cipher, openLink(cipher, session, upgradedLink)!, upgradedEntry)).toBeNull();
    // The entry stays shared by the sessions that shared it.
    const theirs = sealing.upgradeV2Link(sessionB.keyHash, v2Data.links(v2Keys.b)[0]!);
    expect(theirs.entryId).toBe(upgradedLink.entryId);
    expect(openLink(cipher, sessionB, theirs)).toMatchObject({ sha256: v2Images.both.sha256 });
  });
});
