import { Failure } from '../../domain/Failure.ts';
import type { Face, ImageEncodings } from '../../domain/ImageEncodings.ts';
import type { EncodingStore } from '../../ports/EncodingStore.ts';
import type { AddImageOutcome, SessionStore } from '../../ports/SessionStore.ts';
import type { RedisClient } from './createRedisClient.ts';

// Session-slot scripts: every key of one session shares the hash tag {s:<keyHash>}.
const LINK_IMAGE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 'no_session' end
if redis.call('LPOS', KEYS[2], ARGV[1]) then return 'duplicate' end
if redis.call('LLEN', KEYS[2]) >= tonumber(ARGV[2]) then return 'full' end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 'added'`;

const LIST_IMAGES = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('LRANGE', KEYS[2], 0, -1)`;

const UNLINK_ALL = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local images = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
return images`;

// Encoding-slot scripts: an encoding and its reference count share the hash tag {e:<sha256>}.
const RETAIN_ENCODING = `
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('INCR', KEYS[2])`;

const RELEASE_ENCODING = `
if redis.call('DECR', KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1`;

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
 */
export class RedisStore implements SessionStore, EncodingStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  /** `prefix` namespaces every key (no braces: they would change the hash slot). */
  constructor(redis: RedisClient, prefix = 'faces:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async createSession(keyHash: string): Promise<void> {
    await this.#guard(() => this.#redis.set(this.#sessionKeys(keyHash).live, String(Date.now())));
  }

  async listImages(keyHash: string): Promise<string[] | null> {
    const { live, images } = this.#sessionKeys(keyHash);
    return (await this.#guard(() => this.#redis.eval(LIST_IMAGES, { keys: [live, images] }))) as string[] | null;
  }

  async addImage(keyHash: string, image: ImageEncodings, limit: number): Promise<AddImageOutcome> {
    const session = this.#sessionKeys(keyHash);
    const encoding = this.#encodingKeys(image.sha256);
    await this.#guard(() =>
      this.#redis.eval(RETAIN_ENCODING, { keys: [encoding.faces, encoding.refs], arguments: [JSON.stringify(image.faces)] }),
    );
    const outcome = (await this.#guard(() =>
      this.#redis.eval(LINK_IMAGE, { keys: [session.live, session.images], arguments: [image.sha256, String(limit)] }),
    )) as AddImageOutcome;
    if (outcome !== 'added') await this.#release(image.sha256);
    return outcome;
  }

  async clearSession(keyHash: string): Promise<string[] | null> {
    const { live, images } = this.#sessionKeys(keyHash);
    const unlinked = (await this.#guard(() => this.#redis.eval(UNLINK_ALL, { keys: [live, images] }))) as string[] | null;
    if (unlinked === null) return null;
    const deleted: string[] = [];
    for (const sha256 of new Set(unlinked)) {
      if (await this.#release(sha256)) deleted.push(sha256);
    }
    return deleted;
  }

  async findEncodings(sha256s: readonly string[]): Promise<(ImageEncodings | null)[]> {
    if (sha256s.length === 0) return [];
    // One GET per hash rather than MGET: the keys live in different cluster slots.
    const values = await this.#guard(() => Promise.all(sha256s.map((sha) => this.#redis.get(this.#encodingKeys(sha).faces))));
    return values.map((faces, i) => (faces === null ? null : { sha256: sha256s[i]!, faces: JSON.parse(faces) as Face[] }));
  }

  async ping(): Promise<void> {
    await this.#guard(() => this.#redis.ping());
  }

  async close(): Promise<void> {
    if (this.#redis.isOpen) await this.#redis.close();
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
