import { keyHashOf, unauthorized } from '../apiKey.ts';
import type { SessionStore } from '../../ports/SessionStore.ts';

/**
 * Whether a key opens a live session, asked before anything costly is done for the
 * request: the HTTP driver calls it before it reads an upload's body, so a request with
 * a missing, malformed, unknown or expired key is refused without its body being read.
 * A use of the session like any other: it restarts the idle TTL.
 */
export class Authenticate {
  readonly #sessions: SessionStore;

  constructor(deps: { readonly sessions: SessionStore }) {
    this.#sessions = deps.sessions;
  }

  /** Resolves with the key's hash, what the session is filed under. */
  async execute(input: { key: string | undefined }): Promise<string> {
    const keyHash = keyHashOf(input.key);
    if ((await this.#sessions.listImages(keyHash)) === null) throw unauthorized();
    return keyHash;
  }
}
