/**
 * What a distance between two encodings means, measured: over pairs of faces of the
 * development sets (bench/calibration.ts says which), how many pairs of different people
 * (impostors) and of one person (genuine) are at most each distance, in steps. The
 * service loads the table for its engine (models/match-rates.json).
 */
export interface MatchRates {
  /** The engine whose encodings were measured: rates hold for its encodings only. */
  readonly engine: string;
  readonly sets: readonly string[];
  readonly step: number;
  readonly genuinePairs: number;
  readonly impostorPairs: number;
  /** At index i: pairs at most i x step apart. */
  readonly genuineAtMost: readonly number[];
  readonly impostorsAtMost: readonly number[];
}

export const MATCH_RATE_STEP = 0.01;

export interface RateAt {
  /** Impostor pairs at least this near: different people this close. */
  readonly falseMatches: number;
  readonly falseMatchRate: number;
  /** What the rate can be at most, 95% sure (one-sided Clopper-Pearson; 0 of n gives about 3/n). */
  readonly falseMatchUpperBound: number;
  readonly genuineAtMost: number;
}

/** The rates at `distance`, read at the next step up, so they never understate. */
export function rateAt(rates: MatchRates, distance: number): RateAt {
  const index = Math.min(rates.impostorsAtMost.length - 1, Math.max(0, Math.ceil(distance / rates.step - 1e-9)));
  const falseMatches = rates.impostorsAtMost[index]!;
  return {
    falseMatches,
    falseMatchRate: falseMatches / rates.impostorPairs,
    falseMatchUpperBound: upperBound95(falseMatches, rates.impostorPairs),
    genuineAtMost: rates.genuineAtMost[index]!,
  };
}

/** The loosest threshold whose false match rate, upper bound included, stays within `rate`; undefined past what the data can vouch for. */
export function thresholdFor(rates: MatchRates, rate: number): number | undefined {
  let found: number | undefined;
  rates.impostorsAtMost.forEach((falseMatches, index) => {
    if (upperBound95(falseMatches, rates.impostorPairs) <= rate) found = Math.round(index * rates.step * 1e6) / 1e6;
  });
  return found;
}

/** The smallest false match rate the table can vouch for: its upper bound where no impostor pair is that near. */
export function smallestVouchableRate(rates: MatchRates): number {
  return upperBound95(0, rates.impostorPairs);
}

/** One-sided 95% upper bound on a rate seen `k` times in `n`: the p at which k or fewer would happen 5% of the time. */
export function upperBound95(k: number, n: number): number {
  if (n === 0) return 1;
  if (k >= n) return 1;
  let [low, high] = [k / n, 1];
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (binomialCdf(k, n, mid) > 0.05) low = mid;
    else high = mid;
  }
  return high;
}

/** P(X <= k) for X ~ Binomial(n, p), summed in log space so large n neither underflows nor overflows. */
function binomialCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  let logTerm = n * Math.log1p(-p);
  let logSum = logTerm;
  for (let i = 0; i < k; i++) {
    logTerm += Math.log(n - i) - Math.log(i + 1) + Math.log(p) - Math.log1p(-p);
    const larger = Math.max(logSum, logTerm);
    logSum = larger + Math.log(Math.exp(logSum - larger) + Math.exp(logTerm - larger));
  }
  return Math.min(1, Math.exp(logSum));
}
