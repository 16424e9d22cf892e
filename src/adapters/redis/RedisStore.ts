import { Failure } from '../../domain/Failure.ts';
import type { Face, ImageEncodings } from '../../domain/ImageEncodings.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { SessionExpiry } from '../../ports/SessionExpiry.ts';
import type { AddImageOutcome, SessionStore } from '../../ports/SessionStore.ts';
import { pingRedis, type RedisClient } from './createRedisClient.ts';

// Session-slot scripts: KEYS[1] = {s:<keyHash>}:live (holds its last use, ms),
// KEYS[2] = {s:<keyHash>}:images. ARGV[1] = now, ARGV[2] = idle TTL in ms or -1.
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

// ARGV[3] = sha256, ARGV[4] = limit
const LINK_IMAGE = `${USE_SESSION}
if not use() then return 'no_session' end
if redis.call('LPOS', KEYS[2], ARGV[3]) then return 'duplicate' end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[4]) then return 'full' end
redis.call('RPUSH', KEYS[2], ARGV[3])
return 'added'`;

const UNLINK_ALL = `${USE_SESSION}
if not use() then return false end
local images = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
return images`;

// ARGV[1] = cutoff: a session last used after it was touched since the sweep looked.
const EXPIRE_SESSION = `
local last = redis.call('GET', KEYS[1])
if last and tonumber(last) > tonumber(ARGV[1]) then return false end
local images = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2])
return images`;

// Encoding-slot scripts: an encoding and its reference count share the hash tag {e:<sha256>}.
const RETAIN_ENCODING = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('INCR', KEYS[2])`;

const RELEASE_ENCODING = `
if redis.call('DECR', KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1`;

const SWEEP_BATCH = 500;

/**
 * Sessions and encodings in Redis (STORAGE=redis), shared by any number of API
 * instances. Each step is one Lua script, atomic on the server, touching keys of a
 * single hash slot, so the same code runs on Redis Cluster.
 *
 * An image is added in two steps: the encoding is stored and its reference count
 * raised first (encoding slot), then linked to the session if it has room (session
 * slot); a link that was not made gives its reference back. Clearing unlinks first and
 * releases after. So an encoding always outlives every link to it, and is deleted
 * with its last one. A crash between the steps can only leave a reference too many
 * (the encoding kept), never a link to nothing.
 *
 * With an idle TTL, a sorted set indexes sessions by last use so the sweep finds the
 * idle ones; the session's own `live` key stays the truth the scripts check.
 */
export class RedisStore implements SessionStore, EncodingStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #expiry: SessionExpiry;

  /** `prefix` namespaces every key (no braces: they would change the hash slot). */
  constructor(redis: RedisClient, prefix = 'faces:', expiry: SessionExpiry = { clock: Date.now }) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#expiry = expiry;
  }

  async createSession(keyHash: string): Promise<void> {
    const now = this.#expiry.clock();
    await this.#guard(() => this.#redis.set(this.#sessionKeys(keyHash).live, String(now)));
    await this.#indexUse(keyHash, now);
  }

  async listImages(keyHash: string): Promise<string[] | null> {
    return (await this.#runOnSession(LIST_IMAGES, keyHash)) as string[] | null;
  }

  async addImage(keyHash: string, image: ImageEncodings, limit: number): Promise<AddImageOutcome> {
    const encoding = this.#encodingKeys(image.sha256);
    await this.#guard(() =>
      this.#redis.eval(RETAIN_ENCODING, { keys: [encoding.faces, encoding.refs], arguments: [JSON.stringify(image.faces)] }),
    );
    const outcome = (await this.#runOnSession(LINK_IMAGE, keyHash, image.sha256, String(limit))) as AddImageOutcome;
    if (outcome !== 'added') await this.#release(image.sha256);
    return outcome;
  }

  async clearSession(keyHash: string): Promise<string[] | null> {
    const unlinked = (await this.#runOnSession(UNLINK_ALL, keyHash)) as string[] | null;
    return unlinked === null ? null : this.#releaseAll(unlinked);
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
        const { live, images } = this.#sessionKeys(keyHash);
        const unlinked = (await this.#guard(() =>
          this.#redis.eval(EXPIRE_SESSION, { keys: [live, images], arguments: [String(cutoff)] }),
        )) as string[] | null;
        if (unlinked === null) continue; // used since: its index entry is being moved on
        await this.#guard(() => this.#redis.zRem(index, keyHash));
        deleted.push(...(await this.#releaseAll(unlinked)));
      }
      if (idle.length < SWEEP_BATCH) return deleted;
    }
  }

  async findEncodings(sha256s: readonly string[]): Promise<(ImageEncodings | null)[]> {
    if (sha256s.length === 0) return [];
    // One GET per hash rather than MGET: the keys live in different cluster slots.
    const values = await this.#guard(() => Promise.all(sha256s.map((sha) => this.#redis.get(this.#encodingKeys(sha).faces))));
    return values.map((faces, i) => (faces === null ? null : { sha256: sha256s[i]!, faces: JSON.parse(faces) as Face[] }));
  }

  async ping(): Promise<void> {
    await this.#guard(() => pingRedis(this.#redis));
  }

  async close(): Promise<void> {
    if (this.#redis.isOpen) await this.#redis.close();
  }

  /** Runs a session-slot script that uses the session; a live session's use is indexed for the sweep. */
  async #runOnSession(script: string, keyHash: string, ...args: string[]): Promise<unknown> {
    const { live, images } = this.#sessionKeys(keyHash);
    const now = this.#expiry.clock();
    const ttl = String(this.#expiry.idleTtlMs ?? -1);
    const reply = await this.#guard(() => this.#redis.eval(script, { keys: [live, images], arguments: [String(now), ttl, ...args] }));
    if (reply !== null && reply !== 'no_session') await this.#indexUse(keyHash, now);
    return reply;
  }

  async #indexUse(keyHash: string, now: number): Promise<void> {
    if (this.#expiry.idleTtlMs === undefined) return;
    await this.#guard(() => this.#redis.zAdd(this.#useIndexKey(), { score: now, value: keyHash }, { GT: true }));
  }

  async #releaseAll(unlinked: readonly string[]): Promise<string[]> {
    const deleted: string[] = [];
    for (const sha256 of new Set(unlinked)) {
      if (await this.#release(sha256)) deleted.push(sha256);
    }
    return deleted;
  }

  async #release(sha256: string): Promise<boolean> {
    const { faces, refs } = this.#encodingKeys(sha256);
    return (await this.#guard(() => this.#redis.eval(RELEASE_ENCODING, { keys: [faces, refs] }))) === 1;
  }

  #sessionKeys(keyHash: string) {
    const tag = `${this.#prefix}{s:${keyHash}}`;
    return { live: `${tag}:live`, images: `${tag}:images` };
  }

  #encodingKeys(sha256: string) {
    const tag = `${this.#prefix}{e:${sha256}}`;
    return { faces: `${tag}:faces`, refs: `${tag}:refs` };
  }

  #useIndexKey(): string {
    return `${this.#prefix}sessions-by-last-use`;
  }

  async #guard<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new Failure('storage_unavailable', 'Storage is unavailable; try again shortly.', {
        cause: error,
        retryAfterSeconds: 1,
      });
    }
  }
}
