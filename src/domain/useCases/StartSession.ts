import { hashApiKey } from '../hashing.ts';
import type { KeyGenerator } from '../../ports/KeyGenerator.ts';
import type { SessionStore } from '../../ports/SessionStore.ts';

export interface StartSessionDeps {
  readonly sessions: SessionStore;
  readonly generateKey: KeyGenerator;
}

/** Returns the API key: the only time it exists in clear. */
export class StartSession {
  readonly #deps: StartSessionDeps;

  constructor(deps: StartSessionDeps) {
    this.#deps = deps;
  }

  async execute(): Promise<{ key: string }> {
    const key = this.#deps.generateKey();
    await this.#deps.sessions.createSession(hashApiKey(key));
    return { key };
  }
}
