/**
 * Storage sealed under another server-held secret than the one configured (or still
 * needing a previous one that is not). Everything in it would fail to open and look
 * lost, so the service refuses to start instead.
 */
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

/**
 * What storage keeps where builds before the seal record kept the check of their secret:
 * no secret's check, so such a build refuses storage this one has sealed.
 */
export const SEE_SEAL_RECORD = 'sealed by a build that keeps a seal record';
