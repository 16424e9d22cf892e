import type { Logger } from 'pino';
import type { PrometheusMetrics } from '../adapters/metrics/PrometheusMetrics.ts';
import type { ExpireIdleSessions } from '../domain/useCases/ExpireIdleSessions.ts';
import type { ResealableStore } from '../ports/SessionStore.ts';

/** Recounts every few minutes while values wait for `npm run reseal`, which may be running meanwhile. Returns a stop function. */
export function countSealedValues(store: ResealableStore, metrics: PrometheusMetrics, logger: Logger): () => void {
  let timer: NodeJS.Timeout | undefined;
  let logged = false;
  const count = async () => {
    let again = RECOUNT_MS;
    try {
      const counts = await store.countSealed();
      metrics.sealedCounted(counts);
      if (!logged) {
        logged = true;
        if (counts.previous > 0) logger.warn({ values: counts.previous }, 'stored values still sealed under the previous secret: run `npm run reseal`; keep SEAL_SECRET_PREVIOUS until it reports none');
        if (counts.none > 0) logger.warn({ values: counts.none }, 'stored values from before the outer seal layer: run `npm run reseal` once to give them one');
        if (counts.other > 0) logger.error({ values: counts.other }, 'stored values sealed under a secret that is not configured: nothing can open them');
        logger.info(counts, 'stored values by the sealing secret they need');
      }
      if (counts.previous + counts.none === 0) return;
    } catch (error) {
      again = RECOUNT_AFTER_ERROR_MS;
      logger.warn({ err: error }, 'could not count stored values by sealing secret; will retry');
    }
    timer = setTimeout(() => void count(), again).unref();
  };
  timer = setTimeout(() => void count(), 0).unref();
  return () => clearTimeout(timer);
}

const RECOUNT_MS = 5 * 60_000;
const RECOUNT_AFTER_ERROR_MS = 30_000;

export function sweepIdleSessions(expire: ExpireIdleSessions, idleTtlMs: number, logger: Logger): () => void {
  const sweep = () => {
    expire.execute().then(
      (deleted) => deleted > 0 && logger.info({ deleted }, 'expired idle sessions'),
      (error: unknown) => logger.warn({ err: error }, 'expiring idle sessions failed; will retry'),
    );
  };
  const timer = setInterval(sweep, Math.min(idleTtlMs / 4, 60_000));
  timer.unref();
  return () => clearInterval(timer);
}
