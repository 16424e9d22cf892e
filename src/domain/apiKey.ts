import { Failure } from './Failure.ts';
import { hashApiKey, isWellFormedKey } from './hashing.ts';

/**
 * The client-supplied API key, refused here when missing or malformed, before any
 * storage is touched; an unknown one is refused by the use case when storage finds no
 * session. Both get the same answer, so a caller cannot tell which check failed.
 */
export function wellFormedKey(key: string | undefined): string {
  if (key === undefined || !isWellFormedKey(key)) throw unauthorized();
  return key;
}

/** The storage lookup key for a client-supplied API key. */
export function keyHashOf(key: string | undefined): string {
  return hashApiKey(wellFormedKey(key));
}

export function unauthorized(): Failure {
  return new Failure('unauthorized', 'A valid API key is required in the "key" header.');
}
