/** Who an encode is for: the session (by its key hash) and the client (an opaque name of its address, or none). */
export interface EncodeSpender {
  readonly session: string;
  readonly caller: string | undefined;
}

/**
 * How often the face encoder may run for one session and for one client. Every run
 * counts, whatever it finds (no face, too many, an image it cannot decode, a timeout):
 * what it costs is the encoder's time, not the outcome.
 */
export interface EncodeBudget {
  /** Takes one encode from the session's and the caller's budgets; throws Failure('rate_limited') with retryAfterSeconds when either is spent. */
  spend(spender: EncodeSpender): Promise<void>;
}
