import { Failure } from '../../domain/Failure.ts';
import type { EncodeBudget, EncodeSpender } from '../../ports/EncodeBudget.ts';
import type { Limit } from './Limit.ts';

/** Either limit refuses the encode, with the longer wait; the other's point stays spent (one more against a caller already at a limit). */
export class LimitsEncodeBudget implements EncodeBudget {
  readonly #perSession: Limit | undefined;
  readonly #perAddress: Limit | undefined;

  constructor(limits: { readonly perSession?: Limit | undefined; readonly perAddress?: Limit | undefined }) {
    this.#perSession = limits.perSession;
    this.#perAddress = limits.perAddress;
  }

  async spend(spender: EncodeSpender): Promise<void> {
    const outcomes = await Promise.allSettled([
      this.#perSession?.take(spender.session),
      spender.caller === undefined ? undefined : this.#perAddress?.take(spender.caller),
    ]);
    const refusals = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    const longest = refusals.toSorted((a, b) => retryAfter(b) - retryAfter(a))[0];
    if (longest !== undefined) throw longest;
  }
}

function retryAfter(refusal: unknown): number {
  return refusal instanceof Failure ? (refusal.retryAfterSeconds ?? 0) : Infinity;
}
