import { Failure } from './Failure.ts';
import { hashApiKey, isWellFormedKey } from './hashing.ts';

/** Missing, malformed and unknown keys all get the same answer, so a caller cannot tell which check failed. */
export function wellFormedKey(key: string | undefined): string {
  if (key === undefined || !isWellFormedKey(key)) throw unauthorized();
  return key;
}

export function keyHashOf(key: string | undefined): string {
  return hashApiKey(wellFormedKey(key));
}

export function unauthorized(): Failure {
  return new Failure('unauthorized', 'A valid API key is required in the "key" header.');
}
