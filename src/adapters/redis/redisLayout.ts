import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SealRecordDecision } from '../../ports/Cipher.ts';
import type { StorageSealing } from '../../ports/SessionStore.ts';
import { SEE_SEAL_RECORD } from '../SealMismatchError.ts';
import { scanKeys, type RedisClient } from './createRedisClient.ts';

/** No `<prefix>layout-version`: version 1, or empty. Each version's keys: docs/adr/0009-security-and-biometric-data-at-rest.md. */
export const LAYOUT_VERSION = '4';

export const sessionKeys = (prefix: string, keyHash: string) => {
  const tag = `${prefix}{s:${keyHash}}`;
  return { live: `${tag}:live`, links: `${tag}:sealed-links` };
};

export const entryKeys = (prefix: string, entryId: string) => {
  const tag = `${prefix}{e:${entryId}}`;
  return { sealed: `${tag}:entry`, refs: `${tag}:refs` };
};

/** After this another process may take the upgrade over; the holder renews it while it works. */
const LOCK_MS = 30_000;

const COPY_ENTRY = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
redis.call('SET', KEYS[2], ARGV[2], 'NX')`;
// KEYS: a session's version-2 links, its version-3 links; ARGV: the links re-keyed.
const MOVE_LINKS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[2], unpack(ARGV))
return #ARGV`;
// KEYS: the seal record; ARGV: the record as read ('' for none), the record to write.
const REPLACE_RECORD = `
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;
const RELEASE_LOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end`;

/** Refuses secrets that do not fit, then upgrades under a lock (others wait); rerunnable after a crash. Returns keys upgraded or deleted here. */
export async function upgradeLayout(redis: RedisClient, prefix: string, sealing: StorageSealing): Promise<number> {
  await adoptSealRecord(redis, prefix, sealing);
  const [marker, lock, token] = [`${prefix}layout-version`, `${prefix}layout-upgrade-lock`, randomUUID()];
  for (;;) {
    const version = await redis.get(marker);
    if (version === LAYOUT_VERSION) return 0;
    if (await redis.set(lock, token, { NX: true, PX: LOCK_MS })) {
      try {
        const renewLock = () => redis.pExpire(lock, LOCK_MS);
        const changed = (version === null ? await deleteVersion1(redis, prefix) : 0) + (await upgradeVersion2(redis, prefix, sealing, renewLock));
        await redis.set(marker, LAYOUT_VERSION);
        return changed;
      } finally {
        await redis.eval(RELEASE_LOCK, { keys: [lock], arguments: [token] });
      }
    }
    await sleep(200);
  }
}

/** Written only over what was read (one key, so also on a cluster). `settle`: no value needs the previous secret any more. */
export async function adoptSealRecord(redis: RedisClient, prefix: string, sealing: StorageSealing, settle = false): Promise<SealRecordDecision> {
  const [recordKey, checkKey] = [`${prefix}seal-record`, `${prefix}seal-check`];
  for (;;) {
    const [record, legacyCheck] = await Promise.all([redis.get(recordKey), redis.get(checkKey)]);
    const decision = sealing.adopt(settle && record !== null ? sealing.settled(record) : record, legacyCheck, `Redis under the prefix "${prefix}"`);
    if (decision.record === record) return decision;
    if (Number(await redis.eval(REPLACE_RECORD, { keys: [recordKey], arguments: [record ?? '', decision.record] })) === 1) {
      await redis.set(checkKey, SEE_SEAL_RECORD);
      return decision;
    }
  }
}

async function deleteVersion1(redis: RedisClient, prefix: string): Promise<number> {
  let deleted = 0;
  for (const pattern of [`${prefix}{e:*}:faces`, `${prefix}{s:*}:images`]) {
    for await (const names of scanKeys(redis, pattern)) {
      for (const name of names) {
        // An encoding and its count share a hash slot, so one UNLINK also works on Redis Cluster.
        deleted += await redis.unlink(name.endsWith(':faces') ? [name, name.replace(/:faces$/, ':refs')] : [name]);
      }
    }
  }
  return deleted;
}

/** Copies entries, then moves each session's links in one step, then deletes the old entries: a crash in between is finished by the next run. */
async function upgradeVersion2(redis: RedisClient, prefix: string, sealing: StorageSealing, renewLock: () => Promise<unknown>): Promise<number> {
  const oldEntry = (name: string) => ({ id: name.slice(`${prefix}{e:`.length, name.indexOf('}', prefix.length)), refs: name.replace(/:sealed$/, ':refs') });
  let changed = 0;
  for await (const names of scanKeys(redis, `${prefix}{e:*}:sealed`)) {
    for (const name of names) {
      const { id, refs } = oldEntry(name);
      const [sealed, count] = await Promise.all([redis.get(name), redis.get(refs)]);
      if (sealed === null) continue;
      const upgraded = Buffer.from(sealing.upgradeV2Entry(id, Buffer.from(sealed, 'base64'))).toString('base64');
      const target = entryKeys(prefix, sealing.v2EntryId(id));
      await redis.eval(COPY_ENTRY, { keys: [target.sealed, target.refs], arguments: [upgraded, count ?? '1'] });
    }
    await renewLock();
  }
  for await (const names of scanKeys(redis, `${prefix}{s:*}:links`)) {
    for (const name of names) {
      const keyHash = name.slice(`${prefix}{s:`.length, name.indexOf('}', prefix.length));
      const links = (await redis.lRange(name, 0, -1)).map((stored) => {
        const space = stored.indexOf(' ');
        const link = sealing.upgradeV2Link(keyHash, { entryId: stored.slice(0, space), sealedSecret: Buffer.from(stored.slice(space + 1), 'base64') });
        return `${link.entryId} ${Buffer.from(link.sealedSecret).toString('base64')}`;
      });
      if (links.length > 0) changed += Number(await redis.eval(MOVE_LINKS, { keys: [name, sessionKeys(prefix, keyHash).links], arguments: links }));
    }
    await renewLock();
  }
  for await (const names of scanKeys(redis, `${prefix}{e:*}:sealed`)) {
    for (const name of names) changed += await redis.unlink([name, oldEntry(name).refs]);
    await renewLock();
  }
  return changed;
}
