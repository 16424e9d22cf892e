import type { Clock } from './Clock.ts';

/** How storage adapters tell idle sessions apart; no `idleTtlMs` means sessions never expire. */
export interface SessionExpiry {
  readonly clock: Clock;
  readonly idleTtlMs?: number;
}
