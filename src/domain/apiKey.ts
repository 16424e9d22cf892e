import { Failure } from './Failure.ts';
import { hashApiKey, isWellFormedKey } from './hashing.ts';

/**
 * The storage lookup key for a client-supplied API key. A missing or malformed key is
 * refused here, before any storage is touched; an unknown one is refused by the use
 * case when storage finds no session. Both get the same answer, so a caller cannot
 * tell which check failed.
 */
export function keyHashOf(key: string | undefined): string {
  if (key === undefined || !isWellFormedKey(key)) throw unauthorized();
  return hashApiKey(key);
}

export function unauthorized(): Failure {
  return new Failure('unauthorized', 'A valid API key is required in the "key" header.');
}
