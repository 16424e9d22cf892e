/** Measured distance rates of one engine's encodings (models/match-rates.json, sets in bench/calibration.ts): docs/match-rates.md. */
export interface MatchRates {
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
  readonly falseMatches: number;
  readonly falseMatchRate: number;
  /** 95% one-sided Clopper-Pearson bound (0 of n gives about 3/n). */
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
  // Counts only grow with the distance, and bounds with the counts: the first step past the rate ends the search.
  for (const [index, falseMatches] of rates.impostorsAtMost.entries()) {
    if (upperBound95(falseMatches, rates.impostorPairs) > rate) break;
    found = Math.round(index * rates.step * 1e6) / 1e6;
  }
  return found;
}

export function smallestVouchableRate(rates: MatchRates): number {
  return upperBound95(0, rates.impostorPairs);
}

/** One-sided 95% upper bound on a rate seen `k` times in `n`: the p at which k or fewer would happen 5% of the time. */
export function upperBound95(k: number, n: number): number {
  if (n === 0 || k >= n) return 1;
  let [low, high] = [k / n, 1];
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (binomialCdf(k, n, mid) > 0.05) low = mid;
    else high = mid;
  }
  return high;
}

/** P(X <= k), X ~ Binomial(n, p), as I_{1-p}(n - k, k + 1): a few dozen steps whatever k and n. */
function binomialCdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  return incompleteBeta(n - k, k + 1, 1 - p);
}

/** I_x(a, b), by its continued fraction (Numerical Recipes, betai and betacf). */
function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // The fraction converges fast only below (a + 1) / (a + b + 2); above, by symmetry.
  return x < (a + 1) / (a + b + 2) ? (front * continuedFraction(a, b, x)) / a : 1 - (front * continuedFraction(b, a, 1 - x)) / b;
}

function continuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let result = d;
  for (let m = 1; m <= 300; m++) {
    for (const numerator of [(m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)), (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))]) {
      d = 1 + numerator * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      result *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return result;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms: about 15 digits). */
function logGamma(x: number): number {
  const coefficients = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = coefficients[0]!;
  for (let i = 1; i < coefficients.length; i++) sum += coefficients[i]! / (shifted + i);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}
