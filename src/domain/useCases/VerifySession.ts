import { Failure } from '../Failure.ts';
import { euclideanDistance, groupIdentities, type FaceRef } from '../identities.ts';
import type { ImageEncodings } from '../ImageEncodings.ts';
import { type MatchRates, rateAt, smallestVouchableRate, thresholdFor, upperBound95 } from '../matchRates.ts';

export interface FalseMatchRate {
  readonly rate: number;
  readonly upper_bound: number;
  readonly impostor_pairs: number;
}

export interface ThresholdRates {
  readonly engine: string;
  readonly false_match_rate: FalseMatchRate;
  readonly false_non_match_rate: { readonly rate: number; readonly upper_bound: number; readonly genuine_pairs: number };
}

export interface Verification {
  readonly threshold: number;
  /** What `threshold` gives; null without measurements for the faces' engine. */
  readonly rates: ThresholdRates | null;
  /** null below two images, or when an image has no face good enough to compare. */
  readonly same_person: boolean | null;
  readonly identities: readonly { readonly faces: readonly FaceRef[] }[];
  /** Every pair of faces, excluded ones too; each with how often different people are that near (null for faces of another engine). */
  readonly distances: readonly { readonly a: FaceRef; readonly b: FaceRef; readonly distance: number; readonly false_match_rate: FalseMatchRate | null }[];
  readonly excluded: readonly (FaceRef & { readonly reason: 'low_quality' })[];
}

export interface VerifySessionDeps {
  readonly summary: { execute(input: { key: string | undefined }): Promise<readonly ImageEncodings[]> };
  /** Faces nearer than this are the same person, unless a request asks for a false match rate. */
  readonly threshold: number;
  readonly rates: MatchRates;
}

/** Faces rated low for recognition would make any answer a guess: excluded; an image left with no face makes `same_person` null, never a false yes or no. */
export class VerifySession {
  readonly #deps: VerifySessionDeps;

  constructor(deps: VerifySessionDeps) {
    this.#deps = deps;
  }

  /** `falseMatchRate`: the most a user accepts; the threshold is then the loosest that the measurements say keeps to it. */
  async execute(input: { key: string | undefined; falseMatchRate?: number }): Promise<Verification> {
    const { rates } = this.#deps;
    const threshold = input.falseMatchRate === undefined ? this.#deps.threshold : thresholdForRate(rates, input.falseMatchRate);
    const images = await this.#deps.summary.execute(input);
    const faces = images.flatMap((image, imageIndex) =>
      image.faces.map((face, faceIndex) => ({ ref: { image: imageIndex, face: faceIndex }, encoding: face.encoding, quality: face.quality, engine: face.engine })),
    );
    const measured = (face: (typeof faces)[number]) => face.engine === rates.engine;
    const excluded = faces.filter((face) => face.quality?.for_recognition === 'low').map((face) => ({ ...face.ref, reason: 'low_quality' as const }));
    const compared = faces.filter((face) => face.quality?.for_recognition !== 'low');
    const identities = groupIdentities(compared, threshold);
    const everyImageCompared = images.every((_, image) => compared.some((face) => face.ref.image === image));
    const inEveryImage = identities.some((identity) => images.every((_, image) => identity.some((face) => face.image === image)));
    return {
      threshold,
      rates: faces.length === 0 || faces.every(measured) ? thresholdRates(rates, threshold) : null,
      same_person: images.length < 2 || !everyImageCompared ? null : inEveryImage,
      identities: identities.map((identity) => ({ faces: identity })),
      distances: faces.flatMap((a, i) =>
        faces.slice(i + 1).map((b) => {
          const distance = Math.round(euclideanDistance(a.encoding, b.encoding) * 1e4) / 1e4;
          return { a: a.ref, b: b.ref, distance, false_match_rate: measured(a) && measured(b) ? falseMatchRate(rates, distance) : null };
        }),
      ),
      excluded,
    };
  }
}

function thresholdForRate(rates: MatchRates, rate: number): number {
  if (!Number.isFinite(rate) || rate <= 0 || rate >= 1) throw new Failure('invalid_parameter', 'false_match_rate must be a number between 0 and 1, such as 0.001.');
  const threshold = thresholdFor(rates, rate);
  if (threshold === undefined || threshold === 0) {
    const smallest = smallestVouchableRate(rates);
    throw new Failure(
      'false_match_rate_unsupported',
      `The measurements (${rates.impostorPairs} pairs of different people) can vouch for a false match rate of ${round(smallest)} at the least; ask for that or more.`,
    );
  }
  return threshold;
}

function falseMatchRate(rates: MatchRates, distance: number): FalseMatchRate {
  const at = rateAt(rates, distance);
  return { rate: round(at.falseMatchRate), upper_bound: round(at.falseMatchUpperBound), impostor_pairs: rates.impostorPairs };
}

function thresholdRates(rates: MatchRates, threshold: number): ThresholdRates {
  const at = rateAt(rates, threshold);
  const falseNonMatches = rates.genuinePairs - at.genuineAtMost;
  return {
    engine: rates.engine,
    false_match_rate: { rate: round(at.falseMatchRate), upper_bound: round(at.falseMatchUpperBound), impostor_pairs: rates.impostorPairs },
    false_non_match_rate: {
      rate: round(falseNonMatches / rates.genuinePairs),
      upper_bound: round(upperBound95(falseNonMatches, rates.genuinePairs)),
      genuine_pairs: rates.genuinePairs,
    },
  };
}

/** Rates to 3 significant digits: more would claim a precision the pair counts do not have. */
const round = (value: number) => (value === 0 ? 0 : Number(value.toPrecision(3)));

