import { holdsCentre, intersectionOverUnion } from '../src/adapters/encoder/engine/faceBoxes.ts';
import type { Box } from '../src/domain/ImageEncodings.ts';

/** A labeled face: its box and why missing it may be forgiven. */
export interface LabeledFace extends Box {
  readonly flags: readonly string[];
}

export interface FaceMatch {
  /** Found boxes matched to no labeled face: false faces. */
  readonly falseFaces: readonly Box[];
  /** Labeled faces no found box matched. */
  readonly missed: readonly LabeledFace[];
  readonly matched: number;
}

/**
 * Pairs found boxes with labeled faces one to one, best overlap first. Detectors and
 * people draw face boxes differently (eyebrows to chin, or hairline to chin), so a pair
 * counts when the boxes overlap by a third of their union, or when each box holds the
 * other's centre.
 */
export function matchFaces(labeled: readonly LabeledFace[], found: readonly Box[]): FaceMatch {
  const candidates: { label: number; face: number; overlap: number }[] = [];
  labeled.forEach((label, i) =>
    found.forEach((face, j) => {
      const overlap = intersectionOverUnion(label, face);
      if (overlap >= 1 / 3 || (holdsCentre(label, face) && holdsCentre(face, label))) candidates.push({ label: i, face: j, overlap });
    }),
  );
  candidates.sort((a, b) => b.overlap - a.overlap);
  const usedLabels = new Set<number>();
  const usedFaces = new Set<number>();
  for (const { label, face } of candidates) {
    if (usedLabels.has(label) || usedFaces.has(face)) continue;
    usedLabels.add(label);
    usedFaces.add(face);
  }
  return {
    falseFaces: found.filter((_, j) => !usedFaces.has(j)),
    missed: labeled.filter((_, i) => !usedLabels.has(i)),
    matched: usedLabels.size,
  };
}

/**
 * Area under the ROC curve of "same person when the distance is small": the chance that
 * a different-person pair is farther apart than a same-person pair (ties count half).
 * A face that was not found has distance Infinity, so it counts against the engine.
 */
export function verificationAuc(same: readonly number[], different: readonly number[]): number {
  let wins = 0;
  for (const s of same) for (const d of different) wins += d > s ? 1 : d === s ? 0.5 : 0;
  return wins / (same.length * different.length);
}

export interface ThresholdOutcome {
  readonly threshold: number;
  /** Same-person pairs accepted. */
  readonly trueAcceptRate: number;
  /** Different-person pairs accepted. */
  readonly falseAcceptRate: number;
  /** Pairs decided right, over all pairs. */
  readonly accuracy: number;
  /** The mean of the two per-class rates, which the many different-person pairs cannot swamp. */
  readonly balancedAccuracy: number;
}

export function atThreshold(same: readonly number[], different: readonly number[], threshold: number): ThresholdOutcome {
  const accepted = same.filter((d) => d < threshold).length;
  const falselyAccepted = different.filter((d) => d < threshold).length;
  const trueAcceptRate = accepted / same.length;
  const falseAcceptRate = falselyAccepted / different.length;
  return {
    threshold,
    trueAcceptRate,
    falseAcceptRate,
    accuracy: (accepted + different.length - falselyAccepted) / (same.length + different.length),
    balancedAccuracy: (trueAcceptRate + 1 - falseAcceptRate) / 2,
  };
}

/** The threshold (on a 0.01 grid) that decides the development pairs best, by balanced accuracy. */
export function bestThreshold(same: readonly number[], different: readonly number[]): ThresholdOutcome {
  let best = atThreshold(same, different, 0);
  for (let t = 0.01; t <= 1.5; t += 0.01) {
    const outcome = atThreshold(same, different, Math.round(t * 100) / 100);
    if (outcome.balancedAccuracy > best.balancedAccuracy) best = outcome;
  }
  return best;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The value below which `share` of `values` lie (nearest rank). */
export function percentile(values: readonly number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] ?? Number.NaN;
}
