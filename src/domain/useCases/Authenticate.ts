import { keyHashOf, unauthorized } from '../apiKey.ts';
import type { SessionStore } from '../../ports/SessionStore.ts';

/** Called before an upload's body is read, so a bad key costs no body. A use like any other: it restarts the idle TTL. */
export class Authenticate {
  readonly #sessions: SessionStore;

  constructor(deps: { readonly sessions: SessionStore }) {
    this.#sessions = deps.sessions;
  }

  async execute(input: { key: string | undefined }): Promise<string> {
    const keyHash = keyHashOf(input.key);
    if ((await this.#sessions.listImages(keyHash)) === null) throw unauthorized();
    return keyHash;
  }
}
