import { createHash } from 'node:crypto';

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** UUID v4 keys carry 122 random bits: one fast hash makes a stolen database useless for logging in; a slow one would buy nothing. */
export function hashApiKey(key: string): string {
  return sha256Hex(`api-key:${key}`);
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Checked before any storage lookup, so junk keys cost nothing. */
export function isWellFormedKey(key: string): boolean {
  return UUID_V4.test(key);
}
