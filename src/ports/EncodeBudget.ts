/** `caller`: an opaque name of the client's address, or none. */
export interface EncodeSpender {
  readonly session: string;
  readonly caller: string | undefined;
}

/** Every run counts, whatever it finds: the cost is the encoder's time, not the outcome. */
export interface EncodeBudget {
  /** Throws Failure('rate_limited') with retryAfterSeconds when the session's or the caller's budget is spent. */
  spend(spender: EncodeSpender): Promise<void>;
}
