import { copyFileSync, readFileSync } from 'node:fs';
import { hkdfSync } from 'node:crypto';
import { hashApiKey, sha256Hex } from '../../src/domain/hashing.ts';
import type { ImageEncodings } from '../../src/domain/ImageEncodings.ts';
import type { RedisClient } from '../../src/adapters/redis/createRedisClient.ts';
import { fakeImage, ScriptedFaceEncoder } from './ScriptedFaceEncoder.ts';

/**
 * What the last build before the server-held secret (9aae078: SQLite schema 2, Redis
 * layout 2) stored, written by that build's own use cases and stores
 * (test/fixtures/sealed-v2/README.md says how). Three sessions: `a` uploaded "one" and
 * "both", `b` "both" and "other", `cleared` "gone" and "both" and was then cleared. The
 * scripted encoder gave the faces, so they can be computed again here.
 */
const folder = new URL('../fixtures/sealed-v2/', import.meta.url);
export const v2Keys = { a: '1f1ac10b-58cc-4372-a567-0e02b2c3d479', b: '2b2e1c4a-7d3f-4e8a-9c1b-2a3d4e5f6a7b', cleared: '3c3e1c4a-7d3f-4e8a-9c1b-2a3d4e5f6a7c' };
export const v2Bytes = { one: fakeImage('one'), both: fakeImage('both', 2), other: fakeImage('other'), gone: fakeImage('gone') };
const encoder = new ScriptedFaceEncoder();
const imageOf = async (bytes: Uint8Array): Promise<ImageEncodings> => ({ sha256: sha256Hex(bytes), faces: await encoder.encode(bytes) });
export const v2Images = { one: await imageOf(v2Bytes.one), both: await imageOf(v2Bytes.both), other: await imageOf(v2Bytes.other), gone: await imageOf(v2Bytes.gone) };

/** The Redis keys under their prefix: strings, and lists as arrays. */
const redisDump = JSON.parse(readFileSync(new URL('redis.json', folder), 'utf8')) as Record<string, string | string[]>;

/** Each session's links and each entry with its reference count, as layout 2 held them (SQLite held the same, sealed alike). */
export const v2Data = {
  links: (apiKey: string) =>
    ((redisDump[`{s:${hashApiKey(apiKey)}}:links`] as string[] | undefined) ?? []).map((stored) => {
      const [entryId, sealedSecret] = stored.split(' ') as [string, string];
      return { entryId, sealedSecret: Buffer.from(sealedSecret, 'base64') };
    }),
  entry: (entryId: string) => Buffer.from(redisDump[`{e:${entryId}}:sealed`] as string, 'base64'),
  entryIds: Object.keys(redisDump).flatMap((name) => /^\{e:([0-9a-f]{64})\}:sealed$/.exec(name)?.[1] ?? []),
};

/** Schema 2's entry id of an image: HKDF-SHA256 of its SHA-256 with no salt. */
export const v2EntryIdOf = (sha256: string) => Buffer.from(hkdfSync('sha256', sha256, new Uint8Array(0), 'face-sessions v1: entry id', 32)).toString('hex');

export function copyV2Database(path: string): void {
  copyFileSync(new URL('faces.db', folder), path);
}

/** Layout 2 under `prefix`, key by key as that build left it (on Redis Cluster too: each key goes to its slot). */
export async function writeVersion2Layout(client: RedisClient, prefix: string): Promise<void> {
  for (const [name, value] of Object.entries(redisDump)) {
    if (Array.isArray(value)) await client.rPush(prefix + name, value);
    else await client.set(prefix + name, value);
  }
}
