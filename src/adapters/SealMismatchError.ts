/**
 * Storage sealed under another server-held secret than the one configured. Everything
 * in it would fail to open and look lost, so the service refuses to start instead.
 */
export class SealMismatchError extends Error {
  override name = 'SealMismatchError';

  constructor(storage: string) {
    super(
      `${storage} was sealed under another sealing secret than the one configured (SEAL_SECRET or SEAL_SECRET_FILE): ` +
        'start with the secret it was sealed under; without it, nothing stored can be opened (README, "The sealing secret").',
    );
  }
}

/** Throws unless the check stored with the data (if any yet) is `expected`. */
export function checkSeal(stored: string | null | undefined, expected: string, storage: string): void {
  if (stored !== null && stored !== undefined && stored !== expected) throw new SealMismatchError(storage);
}
