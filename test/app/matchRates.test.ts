import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ENGINE_VERSION } from '../../src/adapters/encoder/engine/FaceEngine.ts';
import { loadMatchRates, matchRatesFile } from '../../src/app/matchRates.ts';
import { rateAt, smallestVouchableRate, thresholdFor, upperBound95 } from '../../src/domain/matchRates.ts';
import { detCurveSvg, tableMark } from '../../bench/detCurve.ts';

describe('the committed match rates (models/match-rates.json)', () => {
  const rates = loadMatchRates();

  it('are measured for the engine the service runs: a new engine needs `npm run eval -- --write-match-rates`', () => {
    expect(rates.engine).toBe(ENGINE_VERSION);
    expect(rates.sets).toEqual(['dev-set', 'dev-set-2']);
  });

  it('count pairs that only grow with the distance, up to every pair', () => {
    for (const counts of [rates.impostorsAtMost, rates.genuineAtMost]) {
      expect(counts.every((count, i) => i === 0 || count >= counts[i - 1]!)).toBe(true);
    }
    expect(rates.impostorsAtMost.at(-1)).toBe(rates.impostorPairs);
    expect(rates.genuineAtMost.at(-1)).toBe(rates.genuinePairs);
  });

  it('made the DET curve in the docs (npm run plot)', () => {
    expect(readFileSync(detCurveSvg, 'utf8')).toContain(tableMark(readFileSync(matchRatesFile)));
  });

  it('vouch for a threshold no looser than its upper bound allows, and for nothing below about 3 in the impostor pairs', () => {
    const smallest = smallestVouchableRate(rates);
    expect(smallest).toBeCloseTo(3 / rates.impostorPairs, 6);
    expect(thresholdFor(rates, smallest / 2)).toBeUndefined();
    const threshold = thresholdFor(rates, 0.001)!;
    expect(rateAt(rates, threshold).falseMatchUpperBound).toBeLessThanOrEqual(0.001);
    expect(rateAt(rates, threshold + rates.step).falseMatchUpperBound).toBeGreaterThan(0.001);
  });
});

describe('upperBound95', () => {
  it('is the one-sided 95% Clopper-Pearson bound', () => {
    expect(upperBound95(0, 1000)).toBeCloseTo(1 - 0.05 ** (1 / 1000), 6); // ~3/n, the rule of three
    expect(upperBound95(1, 100)).toBeCloseTo(0.04656, 4); // scipy: beta.ppf(0.95, 2, 99)
    expect(upperBound95(10, 100)).toBeCloseTo(0.16372, 4); // scipy: beta.ppf(0.95, 11, 90)
    expect(upperBound95(5, 5)).toBe(1);
  });
});
