import { randomBytes } from 'node:crypto';
import { NodeCipher } from '../../src/adapters/crypto/NodeCipher.ts';
import { storageSealingOf } from '../../src/domain/sealing.ts';

/** The secret every service a test starts is given (vitest.config.ts puts it in the environment). */
export const TEST_SEAL_SECRET = process.env.SEAL_SECRET ?? '';

/** A server-held secret of its own, with the cipher and storage sealing made from it. */
export function freshSealing(secret: Buffer = randomBytes(32)) {
  const cipher = new NodeCipher(secret);
  return { secret, cipher, sealing: storageSealingOf(cipher) };
}
