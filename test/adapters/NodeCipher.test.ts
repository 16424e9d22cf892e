import { createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';
import { SealMismatchError } from '../../src/adapters/SealMismatchError.ts';

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

describe('NodeCipher, rotating the sealing secret', () => {
  const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
  const storage = 'the test storage';
  const recordOf = (secret: Buffer, previous?: Buffer, record: string | null = null, legacyCheck: string | null = null) =>
    new NodeCipher(secret, { ...(previous && { previous }), rootFromStorage: true }).adopt(record, legacyCheck, storage);

  it('marks the outer layer with its secret, opens the previous one\'s, passes older values through, and opens no other', () => {
    const [before, rotating] = [new NodeCipher(a), new NodeCipher(b, { previous: a })];
    const underA = before.sealAtRest(plaintext, 'here');
    expect([rotating.sealedUnder(underA), rotating.sealedUnder(rotating.sealAtRest(plaintext, 'here'))]).toEqual(['previous', 'current']);
    expect(rotating.openAtRest(underA, 'here')).toEqual(plaintext);
    expect(rotating.openAtRest(underA, 'elsewhere')).toBeNull();
    const fromBefore = before.seal(key, plaintext, 'inner'); // no outer layer
    expect(rotating.sealedUnder(fromBefore)).toBe('none');
    expect(rotating.openAtRest(fromBefore, 'here')).toEqual(fromBefore);
    const underC = new NodeCipher(c).sealAtRest(plaintext, 'here');
    expect(rotating.sealedUnder(underC)).toBe('other');
    expect(rotating.openAtRest(underC, 'here')).toBeNull();
  });

  it('keeps the first secret as the root through rotations, so ids derive the same', () => {
    const first = recordOf(a);
    const viaA = new NodeCipher(a, { rootFromStorage: true });
    viaA.adopt(first.record, null, storage);
    const rotating = new NodeCipher(b, { previous: a, rootFromStorage: true });
    const started = rotating.adopt(first.record, null, storage);
    expect(started).toMatchObject({ changed: true, previousNeeded: true });
    expect(rotating.derive('id', 'p')).toEqual(viaA.derive('id', 'p'));
    const afterB = new NodeCipher(b, { rootFromStorage: true });
    afterB.adopt(rotating.settled(started.record), null, storage);
    expect(afterB.derive('id', 'p')).toEqual(viaA.derive('id', 'p'));
    expect(JSON.stringify(started)).not.toContain(a.toString('base64'));
  });

  it('derives nothing before it has read storage\'s record', () => {
    expect(() => new NodeCipher(a, { rootFromStorage: true }).derive('id', 'p')).toThrow('Storage is unavailable');
  });

  it('refuses what does not fit: another secret, a missing or wrong previous one, a rotation before the last finished, an altered root', () => {
    const { record } = recordOf(a);
    const rotating = recordOf(b, a, record).record;
    expect(() => recordOf(c, undefined, record)).toThrow(SealMismatchError);
    expect(() => recordOf(b, undefined, rotating)).toThrow('SEAL_SECRET_PREVIOUS');
    expect(() => recordOf(b, c, rotating)).toThrow('another previous sealing secret');
    expect(() => recordOf(c, b, rotating)).toThrow('still being moved off');
    expect(recordOf(c, b, new NodeCipher(b).settled(rotating))).toMatchObject({ previousNeeded: true });
    const altered = JSON.stringify({ ...JSON.parse(record), root: Buffer.from(randomBytes(60)).toString('base64') });
    expect(() => recordOf(a, undefined, altered)).toThrow('was altered');
    // Storage from before records: its check alone says which secret it was.
    const legacyCheck = new NodeCipher(a).check;
    expect(recordOf(a, undefined, null, legacyCheck)).toMatchObject({ changed: true, previousNeeded: false });
    expect(() => recordOf(b, undefined, null, legacyCheck)).toThrow(SealMismatchError);
  });
});
