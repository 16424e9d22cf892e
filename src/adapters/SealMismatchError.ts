/** Storage sealed under a secret not configured: all of it would fail to open and look lost, so the service refuses to start. */
export class SealMismatchError extends Error {
  override name = 'SealMismatchError';

  constructor(storage: string, message?: string) {
    super(
      message ??
        `${storage} was sealed under another sealing secret than the one configured (SEAL_SECRET or SEAL_SECRET_FILE): ` +
          'start with the secret it was sealed under, or with it as SEAL_SECRET_PREVIOUS to rotate; without it, nothing stored can be opened (docs/security.md, "The sealing secret").',
    );
  }
}

/** Written where older builds kept their secret's check: matching no secret, it makes them refuse storage this build sealed. */
export const SEE_SEAL_RECORD = 'sealed by a build that keeps a seal record';
