// What a distance means: false match and false non-match rates over every pair of faces in
// the development sets that can be decided, written as the table the service loads
// (models/match-rates.json) and printed as markdown.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Box, Face } from '../src/domain/ImageEncodings.ts';
import { MATCH_RATE_STEP, type MatchRates, rateAt, upperBound95 } from '../src/domain/matchRates.ts';
import { euclidean } from '../test/support/engineComparison.ts';
import type { DevelopmentSet, LabeledPhoto } from './evalSets.ts';

export const MATCH_RATES_FILE = new URL('../models/match-rates.json', import.meta.url);

/** The largest distance the table counts up to; every pair farther is in its last step. */
const MAX_DISTANCE = 1.5;

export interface Pairs {
  readonly genuine: number[];
  readonly impostor: number[];
  /** Photos whose person was found (genuine pairs come from these). */
  readonly identityFaces: number;
}

/**
 * Which pairs are decided, and how:
 * - an identity photo (dev-set `identities/<person>/`, dev-set-2 `pairs/<person>/`) gives its
 *   largest face, as that person;
 * - genuine: two identity faces of one person, from different photos;
 * - impostor: an identity face of person X and a face found in another photo that cannot show
 *   X: an identity photo of someone else (its largest face), or any face of a photograph that
 *   no label ties to X. A photo may show X when its label names X (dev-set-2's `identity`
 *   notes: azure-identification1 shows the azure_family1 people, one portrait is Cai Xukun's
 *   photo again...), and dev-set's faceapi-bbt groups may show every dev-set identity (they
 *   are the same cast);
 * - kept out: montages (they repeat people and photos), drawings and paintings, pairs of two
 *   faces that are both unlabeled (two crowds can show the same people: the Friends cast is in
 *   two), and photos whose person was not found.
 * A face the engine found where there is none (a few per set) takes part as an impostor.
 */
export function decidedPairs(sets: readonly DevelopmentSet[], found: ReadonlyMap<string, readonly Face[]>): Pairs {
  const identities: { photo: string; person: string; encoding: readonly number[] }[] = [];
  const others: { photo: string; mayShow: (person: string) => boolean; encoding: readonly number[] }[] = [];
  for (const set of sets) {
    for (const photo of set.photos) {
      const key = `${set.name}/${photo.path}`;
      const faces = found.get(key) ?? [];
      if (photo.identity) {
        const face = largest(faces);
        if (face) identities.push({ photo: key, person: `${set.name}/${photo.identity}`, encoding: face.encoding });
      } else if (takesPart(photo)) {
        const mayShow = mayShowOf(set, photo);
        for (const face of faces) others.push({ photo: key, mayShow, encoding: face.encoding });
      }
    }
  }
  const genuine: number[] = [];
  const impostor: number[] = [];
  identities.forEach((a, i) =>
    identities.slice(i + 1).forEach((b) => (a.person === b.person ? genuine : impostor).push(euclidean(a.encoding, b.encoding))),
  );
  for (const a of identities) {
    for (const b of others) if (b.photo !== a.photo && !b.mayShow(a.person)) impostor.push(euclidean(a.encoding, b.encoding));
  }
  return { genuine, impostor, identityFaces: identities.length };
}

function takesPart(photo: LabeledPhoto): boolean {
  return !photo.nonPhoto && !/^(montages|negatives|non-photo|no-face)\//.test(photo.path);
}

/** Whether a photo's label ties it to a labeled person (`<set>/<person>`). */
function mayShowOf(set: DevelopmentSet, photo: LabeledPhoto): (person: string) => boolean {
  if (set.name === 'dev-set' && photo.path.startsWith('groups/faceapi-bbt')) return (person) => person.startsWith('dev-set/');
  const note = (photo.note ?? '').toLowerCase();
  if (note === '') return () => false;
  return (person) => {
    const [setName, name] = person.split('/') as [string, string];
    return setName === set.name && (note.includes(name) || note.includes(name.replaceAll('_', ' ')) || note.includes(name.replace(/_[^_]+$/, '')));
  };
}

function largest(faces: readonly Face[]): Face | undefined {
  const area = (box: Box | undefined) => (box ? box.width * box.height : 0);
  return [...faces].sort((a, b) => area(b.box) - area(a.box))[0];
}

/** The table: how many pairs of each kind are at most each distance, in steps of MATCH_RATE_STEP. */
export function matchRatesOf(engine: string, pairs: Pairs, sets: readonly string[]): MatchRates {
  const steps = Math.round(MAX_DISTANCE / MATCH_RATE_STEP) + 1;
  const atMost = (distances: readonly number[]) =>
    Array.from({ length: steps }, (_, i) => distances.filter((distance) => distance <= i * MATCH_RATE_STEP + 1e-9).length);
  return {
    engine,
    sets,
    step: MATCH_RATE_STEP,
    genuinePairs: pairs.genuine.length,
    impostorPairs: pairs.impostor.length,
    genuineAtMost: atMost(pairs.genuine),
    impostorsAtMost: atMost(pairs.impostor),
  };
}

export function writeMatchRates(rates: MatchRates): void {
  writeFileSync(MATCH_RATES_FILE, `${JSON.stringify(rates)}\n`);
}

export function readMatchRates(): MatchRates {
  return JSON.parse(readFileSync(MATCH_RATES_FILE, 'utf8')) as MatchRates;
}

const percent = (value: number) => (value === 0 ? '0' : value < 0.001 ? `${(value * 100).toFixed(4)}%` : `${(value * 100).toFixed(2)}%`);

/** Rates from 0.30 to 0.75: each with the pairs it rests on and its 95% upper bound. */
export function rateTable(rates: MatchRates, published: number): string {
  const rows: string[] = [];
  for (let threshold = 0.3; threshold <= 0.75 + 1e-9; threshold += 0.05) {
    const at = rateAt(rates, threshold);
    const falseNonMatches = rates.genuinePairs - at.genuineAtMost;
    rows.push(
      `| ${threshold.toFixed(2)}${Math.abs(threshold - published) < 1e-9 ? ' (default)' : ''} | ${at.falseMatches} of ${rates.impostorPairs}: ${percent(at.falseMatchRate)} | ${percent(at.falseMatchUpperBound)} | ${falseNonMatches} of ${rates.genuinePairs}: ${percent(falseNonMatches / rates.genuinePairs)} | ${percent(upperBound95(falseNonMatches, rates.genuinePairs))} |`,
    );
  }
  const floor = upperBound95(0, rates.impostorPairs);
  return `| threshold | false matches (impostor pairs at most this far) | 95% upper bound | false non-matches (genuine pairs farther) | 95% upper bound |
|---|---|---|---|---|
${rows.join('\n')}

The smallest false match rate these ${rates.impostorPairs} impostor pairs can vouch for: ${percent(floor)} (about 1 in ${Math.round(1 / floor).toLocaleString('en')}), where none is at most the threshold.`;
}
