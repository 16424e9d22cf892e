import QuickLRU from 'quick-lru';
import { Failure } from '../../domain/Failure.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { SessionExpiry } from '../../ports/SessionExpiry.ts';
import type { AddImageOutcome, ImageLink, ResealableStore, SealCounts, SessionStore, StorageSealing } from '../../ports/SessionStore.ts';
import { AT_REST_HEADER_BYTES } from '../crypto/NodeCipher.ts';
import { SealMismatchError } from '../SealMismatchError.ts';
import { pingRedis, type RedisClient, scanKeys } from './createRedisClient.ts';
import { adoptSealRecord, entryKeys, sessionKeys, upgradeLayout } from './redisLayout.ts';

const MAX_INDEX_DELAY_MS = 60_000;

// KEYS: {s:<keyHash>}:live (last use, ms), its sealed-links ("<entry id> <sealed secret, base64>"); ARGV: now, idle TTL ms or -1.
const USE_SESSION = `
local function use()
  local last = redis.call('GET', KEYS[1])
  if not last then return false end
  local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
  if ttl < 0 then return true end
  if now - tonumber(last) >= ttl then return false end
  redis.call('SET', KEYS[1], ARGV[1])
  return true
end
`;

const LIST_IMAGES = `${USE_SESSION}
if not use() then return false end
return redis.call('LRANGE', KEYS[2], 0, -1)`;

// ARGV[3] = entry id, ARGV[4] = the link, ARGV[5] = limit
const LINK_IMAGE = `${USE_SESSION}
if not use() then return 'no_session' end
local links = redis.call('LRANGE', KEYS[2], 0, -1)
for _, link in ipairs(links) do
  if string.sub(link, 1, #ARGV[3] + 1) == ARGV[3] .. ' ' then return 'duplicate' end
end
if #links >= tonumber(ARGV[5]) then return 'full' end
redis.call('RPUSH', KEYS[2], ARGV[4])
return 'added'`;

const UNLINK_ALL = `${USE_SESSION}
if not use() then return false end
local links = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
return links`;

// ARGV[1] = cutoff; a session used after it (since the sweep looked) is kept.
const EXPIRE_SESSION = `
local last = redis.call('GET', KEYS[1])
if last and tonumber(last) > tonumber(ARGV[1]) then return false end
local links = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2])
return links`;

const RETAIN_ENTRY = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('INCR', KEYS[2])`;

const RELEASE_ENTRY = `
if redis.call('DECR', KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1`;

const SWEEP_BATCH = 500;

export interface Replication {
  readonly replicas: number;
  readonly timeoutMs: number;
  /** Writes and WAITs apart from reads, so reads never queue behind a WAIT (docs/adr/0008-processes-and-scaling.md). */
  readonly writer?: RedisClient;
}
const NO_REPLICA_ACKS: Replication = { replicas: 0, timeoutMs: 0 };

// Re-seal scripts write only over what was read. KEYS[1] = an entry; ARGV: as read, re-sealed.
const REPLACE_ENTRY = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;
// ARGV[1] = how many links were read, then those, then them re-sealed; a list changed meanwhile is left to the next run.
const REPLACE_LINKS = `
local count = tonumber(ARGV[1])
local links = redis.call('LRANGE', KEYS[1], 0, -1)
if #links ~= count then return 0 end
for i = 1, count do
  if links[i] ~= ARGV[i + 1] then return 0 end
end
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[1], unpack(ARGV, count + 2))
return count`;

/** Each step is one Lua script on one hash slot (so Redis Cluster works); why add and clear go in this order: docs/adr/0006-redis.md. */
export class RedisStore implements SessionStore, EncodingStore, ResealableStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #sealing: StorageSealing;
  readonly #expiry: SessionExpiry;
  readonly #replication: Replication;
  readonly #writer: RedisClient;
  readonly #indexedAt = new QuickLRU<string, number>({ maxSize: 10_000 });
  #opened: Promise<number> | undefined;

  /** `prefix` namespaces every key (no braces: they would change the hash slot). */
  constructor(redis: RedisClient, prefix: string, sealing: StorageSealing, expiry: SessionExpiry = { clock: Date.now }, replication: Replication = NO_REPLICA_ACKS) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#sealing = sealing;
    this.#expiry = expiry;
    this.#replication = replication;
    this.#writer = replication.writer ?? redis;
  }

  /** Every method awaits this first. Resolves to keys upgraded; a SealMismatchError sticks, any other error is retried on the next call. */
  open(): Promise<number> {
    this.#opened ??= upgradeLayout(this.#redis, this.#prefix, this.#sealing).catch((error: unknown) => {
      if (!(error instanceof SealMismatchError)) this.#opened = undefined;
      throw error;
    });
    return this.#opened;
  }

  async createSession(keyHash: string): Promise<void> {
    const now = this.#expiry.clock();
    const { live } = this.#sessionKeys(keyHash);
    await this.#guard(() => this.#writer.set(live, String(now)));
    await this.#replicated([live]);
    await this.#indexUse(keyHash, now);
  }

  async listImages(keyHash: string): Promise<ImageLink[] | null> {
    const links = (await this.#runOnSession(LIST_IMAGES, keyHash)) as string[] | null;
    return links === null ? null : links.map(parseLink);
  }

  async addImage(keyHash: string, link: ImageLink, sealedEntry: Uint8Array, limit: number): Promise<AddImageOutcome> {
    const entry = this.#entryKeys(link.entryId);
    await this.#guard(() => this.#writer.eval(RETAIN_ENTRY, { keys: [entry.sealed, entry.refs], arguments: [base64(sealedEntry)] }));
    const outcome = (await this.#runOnSession(LINK_IMAGE, keyHash, [link.entryId, formatLink(link), String(limit)], this.#writer)) as AddImageOutcome;
    if (outcome !== 'added') await this.#release(link.entryId);
    if (outcome === 'added' || outcome === 'duplicate') await this.confirmStored(keyHash, link.entryId);
    return outcome;
  }

  async confirmStored(keyHash: string, entryId: string): Promise<void> {
    await this.#replicated([this.#sessionKeys(keyHash).links, this.#entryKeys(entryId).sealed]);
  }

  async clearSession(keyHash: string): Promise<string[] | null> {
    const unlinked = (await this.#runOnSession(UNLINK_ALL, keyHash, [], this.#writer)) as string[] | null;
    if (unlinked === null) return null;
    const deleted = await this.#releaseAll(unlinked);
    // A clear that a failover undid would bring the session's faces back.
    await this.#replicated([this.#sessionKeys(keyHash).links, ...deleted.map((id) => this.#entryKeys(id).sealed)]);
    return deleted;
  }

  async deleteExpired(): Promise<string[]> {
    const { idleTtlMs, clock } = this.#expiry;
    if (idleTtlMs === undefined) return [];
    const cutoff = clock() - idleTtlMs;
    const index = this.#useIndexKey();
    const deleted: string[] = [];
    for (;;) {
      const idle = await this.#guard(() =>
        this.#redis.zRangeByScore(index, '-inf', cutoff, { LIMIT: { offset: 0, count: SWEEP_BATCH } }),
      );
      for (const keyHash of idle) {
        const { live, links } = this.#sessionKeys(keyHash);
        const unlinked = (await this.#guard(() =>
          this.#redis.eval(EXPIRE_SESSION, { keys: [live, links], arguments: [String(cutoff)] }),
        )) as string[] | null;
        if (unlinked === null) continue; // used since: its index entry is being moved on
        await this.#guard(() => this.#redis.zRem(index, keyHash));
        deleted.push(...(await this.#releaseAll(unlinked)));
      }
      if (idle.length < SWEEP_BATCH) return deleted;
    }
  }

  async findEntries(entryIds: readonly string[]): Promise<(Uint8Array | null)[]> {
    if (entryIds.length === 0) return [];
    // One GET per id rather than MGET: the keys live in different cluster slots.
    const values = await this.#guard(() => Promise.all(entryIds.map((id) => this.#redis.get(this.#entryKeys(id).sealed))));
    return values.map((value) => (value === null ? null : Buffer.from(value, 'base64')));
  }

  async ping(): Promise<'degraded' | undefined> {
    return this.#guard(() => pingRedis(this.#redis));
  }

  async countSealed(): Promise<SealCounts> {
    await this.open();
    const counts: SealCounts = { current: 0, previous: 0, none: 0, other: 0 };
    const count = (stored: Buffer) => counts[this.#sealing.sealedUnder(stored)]++;
    const markChars = (AT_REST_HEADER_BYTES / 3) * 4;
    for await (const names of scanKeys(this.#redis, `${this.#prefix}{e:*}:entry`)) {
      for (const mark of await Promise.all(names.map((name) => this.#redis.getRange(name, 0, markChars - 1)))) if (mark !== null) count(Buffer.from(mark, 'base64'));
    }
    for await (const names of scanKeys(this.#redis, `${this.#prefix}{s:*}:sealed-links`)) {
      for (const links of await Promise.all(names.map((name) => this.#redis.lRange(name, 0, -1)))) {
        for (const link of links) count(Buffer.from(parseLink(link).sealedSecret));
      }
    }
    return counts;
  }

  async reseal(onProgress: (done: number) => void = () => undefined): Promise<SealCounts> {
    await this.open();
    let done = 0;
    const entryId = (name: string) => name.slice(name.indexOf('{e:') + 3, name.indexOf('}', name.indexOf('{e:')));
    for await (const names of scanKeys(this.#redis, `${this.#prefix}{e:*}:entry`)) {
      for (const name of names) {
        const stored = await this.#redis.get(name);
        if (stored === null) continue;
        const resealed = this.#sealing.resealEntry(entryId(name), Buffer.from(stored, 'base64'));
        if (!resealed) continue;
        const replaced = Number(await this.#writer.eval(REPLACE_ENTRY, { keys: [name], arguments: [stored, base64(resealed)] }));
        if (replaced > 0) await this.#replicated([name]);
        done += replaced;
      }
      onProgress(done);
    }
    const keyHash = (name: string) => name.slice(name.indexOf('{s:') + 3, name.indexOf('}', name.indexOf('{s:')));
    for await (const names of scanKeys(this.#redis, `${this.#prefix}{s:*}:sealed-links`)) {
      for (const name of names) {
        const stored = await this.#redis.lRange(name, 0, -1);
        const resealed = stored.map((link) => this.#sealing.resealLink(keyHash(name), parseLink(link)));
        if (resealed.every((link) => link === null)) continue;
        const links = stored.map((link, i) => (resealed[i] ? formatLink(resealed[i]) : link));
        const replaced = Number(await this.#writer.eval(REPLACE_LINKS, { keys: [name], arguments: [String(stored.length), ...stored, ...links] }));
        if (replaced > 0) await this.#replicated([name]);
        if (replaced > 0) done += resealed.filter((link) => link !== null).length;
      }
      onProgress(done);
    }
    const left = await this.countSealed();
    if (left.previous === 0) await adoptSealRecord(this.#redis, this.#prefix, this.#sealing, true);
    return left;
  }

  async close(): Promise<void> {
    if (this.#writer !== this.#redis && this.#writer.isOpen) await this.#writer.close();
    if (this.#redis.isOpen) await this.#redis.close();
  }

  /** Throws storage_unavailable unless `replicas` replicas of each key's master confirm in time: a write only a master holds dies with it. */
  async #replicated(keys: readonly string[]): Promise<void> {
    const { replicas, timeoutMs } = this.#replication;
    if (replicas === 0) return;
    const command = ['WAIT', String(replicas), String(timeoutMs)];
    const acks = await this.#guard(() =>
      Promise.all(keys.map((key) => ('masters' in this.#writer ? this.#writer.sendCommand(key, false, command) : this.#writer.sendCommand(command)) as Promise<number>)),
    );
    if (acks.some((count) => count < replicas)) {
      throw new Failure('storage_unavailable', 'Storage could not confirm the write on a replica in time; try again shortly.', { retryAfterSeconds: 1 });
    }
  }

  async #runOnSession(script: string, keyHash: string, args: readonly string[] = [], client: RedisClient = this.#redis): Promise<unknown> {
    const { live, links } = this.#sessionKeys(keyHash);
    const now = this.#expiry.clock();
    const ttl = String(this.#expiry.idleTtlMs ?? -1);
    const reply = await this.#guard(() => client.eval(script, { keys: [live, links], arguments: [String(now), ttl, ...args] }));
    if (reply !== null && reply !== 'no_session') await this.#indexUse(keyHash, now);
    return reply;
  }

  /** Best effort: `live` decides idleness and the index only finds candidates, so a missed write leaves an older score the sweep re-checks. */
  async #indexUse(keyHash: string, now: number): Promise<void> {
    const { idleTtlMs } = this.#expiry;
    if (idleTtlMs === undefined) return;
    // A round trip per request cost GET /summary a sixth: skip it within min(TTL / 100, 1 min) of the last.
    const indexedAt = this.#indexedAt.get(keyHash);
    if (indexedAt !== undefined && now - indexedAt < Math.min(idleTtlMs / 100, MAX_INDEX_DELAY_MS)) return;
    await this.#guard(() => this.#redis.zAdd(this.#useIndexKey(), { score: now, value: keyHash }, { GT: true })).then(
      () => this.#indexedAt.set(keyHash, now),
      () => undefined,
    );
  }

  async #releaseAll(unlinked: readonly string[]): Promise<string[]> {
    const deleted: string[] = [];
    for (const entryId of new Set(unlinked.map((link) => parseLink(link).entryId))) {
      if (await this.#release(entryId)) deleted.push(entryId);
    }
    return deleted;
  }

  async #release(entryId: string): Promise<boolean> {
    const { sealed, refs } = this.#entryKeys(entryId);
    return (await this.#guard(() => this.#writer.eval(RELEASE_ENTRY, { keys: [sealed, refs] }))) === 1;
  }

  #sessionKeys(keyHash: string) {
    return sessionKeys(this.#prefix, keyHash);
  }

  #entryKeys(entryId: string) {
    return entryKeys(this.#prefix, entryId);
  }

  #useIndexKey(): string {
    return `${this.#prefix}sessions-by-last-use`;
  }

  async #guard<T>(command: () => Promise<T>): Promise<T> {
    try {
      await this.open();
      return await command();
    } catch (error) {
      throw new Failure('storage_unavailable', 'Storage is unavailable; try again shortly.', {
        cause: error,
        retryAfterSeconds: 1,
      });
    }
  }
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function formatLink(link: ImageLink): string {
  return `${link.entryId} ${base64(link.sealedSecret)}`;
}

function parseLink(stored: string): ImageLink {
  const space = stored.indexOf(' ');
  return { entryId: stored.slice(0, space), sealedSecret: Buffer.from(stored.slice(space + 1), 'base64') };
}
