/** Stable machine codes; the HTTP driver alone maps a code to a status. */
export const failureCodes = [
  'missing_file',
  'invalid_image',
  'no_face',
  'too_many_faces',
  'unauthorized',
  'session_full',
  'file_too_large',
  'unsupported_media_type',
  'rate_limited',
  'encoder_bad_response',
  'encoder_unavailable',
  'encoder_timeout',
  'storage_unavailable',
  'invalid_parameter',
  'false_match_rate_unsupported',
] as const;

export type FailureCode = (typeof failureCodes)[number];

export class Failure extends Error {
  readonly code: FailureCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: FailureCode, detail: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(detail, { cause: options?.cause });
    this.name = 'Failure';
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

export function isFailure(error: unknown, code?: FailureCode): error is Failure {
  return error instanceof Failure && (code === undefined || error.code === code);
}
