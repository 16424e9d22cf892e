import { setTimeout as sleep } from 'node:timers/promises';
import type { SealCounts } from '../ports/SessionStore.ts';
import { composeReseal } from './compose.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './logger.ts';
import { orExit } from './orExit.ts';

/** `npm run reseal`: safe while the service runs and to stop anywhere; steps: docs/security.md, "Rotating the sealing secret". */
const MAX_PASSES = 3;

const config = orExit(loadConfig);
const logger = createLogger(config.LOG_LEVEL);

if (config.STORAGE === 'memory') {
  logger.info('STORAGE=memory keeps nothing at rest: nothing to re-seal');
  process.exit(0);
}

const persistent = { ...config, STORAGE: config.STORAGE };
const storage = orExit(() => composeReseal(persistent, logger));
const { store } = storage;

try {
  if ('open' in store) await whenRedisAnswers(() => store.open());
  logger.info(await store.countSealed(), 'stored values by the sealing secret they need, before');
  let left: SealCounts;
  // Values the service changed while a pass read them are left to the next pass.
  for (let pass = 1; ; pass++) {
    left = await store.reseal((done) => logger.info({ pass, done }, 're-sealing'));
    if (left.previous + left.none === 0 || pass === MAX_PASSES) break;
  }
  // Copies, cheaper to drop than to seal again: the service fills the cache again as it reads.
  const { emptyCache } = storage;
  if (emptyCache) logger.info({ deleted: await whenRedisAnswers(emptyCache) }, 'emptied the Redis cache');
  logger.info(left, 'stored values by the sealing secret they need, after');
  if (left.other > 0) logger.error({ values: left.other }, 'values sealed under a secret that is not configured: nothing can open them');
  if (left.previous + left.none > 0) {
    logger.error({ values: left.previous + left.none }, 'values still not under the current secret: run npm run reseal again');
    process.exitCode = 1;
  } else {
    logger.info('no stored value needs the previous sealing secret any more: SEAL_SECRET_PREVIOUS can go');
  }
} catch (error) {
  if ((error as Error).name === 'SealMismatchError') logger.fatal((error as Error).message);
  else logger.fatal({ err: error }, 're-sealing failed; run it again: what it did stays done');
  process.exitCode = 1;
} finally {
  await storage.close();
}

/** Redis may still be connecting (for up to 10 s); a refusal of the secrets is final. */
async function whenRedisAnswers<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt === 50 || (error as Error).name === 'SealMismatchError') throw error;
      await sleep(200);
    }
  }
}
