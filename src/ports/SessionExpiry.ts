import type { Clock } from './Clock.ts';

/** No `idleTtlMs`: sessions never expire. */
export interface SessionExpiry {
  readonly clock: Clock;
  readonly idleTtlMs?: number;
}
