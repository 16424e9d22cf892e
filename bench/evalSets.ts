import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Box, Face } from '../src/domain/ImageEncodings.ts';
import { matchFaces, type LabeledFace } from './evalMetrics.ts';

/** What one photo should give, and how what the engine found measures against it. */
export interface LabeledPhoto {
  /** Relative to the set's folder; also its label's key. */
  readonly path: string;
  /** Faces that must be found. */
  readonly clearFaces: number;
  /** Faces that may or may not be found (cut off, tiny, turned away, hidden). */
  readonly optionalFaces: number;
  /** The person, for photos that take part in the identity pairs. */
  readonly identity?: string;
  /** Drawn, painted or rendered faces: reported apart, not part of the false-face target. */
  readonly nonPhoto: boolean;
  /** Who the label says is in a photo that is not an identity photo (dev-set-2's `identity` notes). */
  readonly note?: string;
  /** False faces and missed clear faces among `found`. */
  score(found: readonly Face[]): { falseFaces: number; missed: number };
}

export interface DevelopmentSet {
  readonly name: string;
  readonly folder: string;
  readonly photos: readonly LabeledPhoto[];
}

const shared = (path: string) => fileURLToPath(new URL(`../../shared/fixtures/${path}`, import.meta.url));

/** Faces that may be missed without counting against the engine: the label says why. */
const forgivable = new Set(['cut_off', 'tiny', 'uncertain']);

interface BoxLabels {
  readonly images: Record<string, { readonly boxes: readonly LabeledFace[] }>;
}

/**
 * ../shared/fixtures/dev-set, labeled by hand with a box per face (bench/dev-set-labels.json):
 * a found face matches a labeled one by overlap, so false and missed faces are exact.
 */
export function devSet(): DevelopmentSet | undefined {
  const folder = shared('dev-set/');
  if (!existsSync(folder)) return undefined;
  const labels = JSON.parse(readFileSync(new URL('./dev-set-labels.json', import.meta.url), 'utf8')) as BoxLabels;
  const photos = Object.entries(labels.images).map(([path, label]): LabeledPhoto => {
    const clear = label.boxes.filter((face) => !face.flags.some((flag) => forgivable.has(flag)));
    return {
      path,
      clearFaces: clear.length,
      optionalFaces: label.boxes.length - clear.length,
      ...(path.startsWith('identities/') && { identity: path.split('/')[1]! }),
      nonPhoto: false,
      score(found) {
        const match = matchFaces(label.boxes, found.map((face) => face.box as Box));
        return { falseFaces: match.falseFaces.length, missed: match.missed.filter((face) => clear.includes(face)).length };
      },
    };
  });
  return { name: 'dev-set', folder, photos };
}

interface CountLabel {
  readonly faces: number;
  readonly small_or_partial: number;
  readonly kind: string;
  readonly identity?: string | null;
}

/**
 * ../shared/fixtures/dev-set-2, labeled with counts per photo (its labels.json): a photo
 * misses what it found short of its clear faces and has false faces past its clear and
 * optional ones together, or as many as it found on things labeled not a face
 * (bench/dev-set-2-not-faces.json), whichever is more. Counts are a lower bound (a false
 * face can hide a missed one); negatives (no face at all) are exact.
 */
export function devSet2(): DevelopmentSet | undefined {
  const folder = shared('dev-set-2/');
  if (!existsSync(folder)) return undefined;
  const notFaces = (JSON.parse(readFileSync(new URL('./dev-set-2-not-faces.json', import.meta.url), 'utf8')) as { images: Record<string, Box[]> }).images;
  return countLabeled('dev-set-2', folder, notFaces);
}

/** Any folder with a labels.json as dev-set-2's (`npm run eval -- --folder`), scored the same way. */
export function countLabeled(name: string, folder: string, notFaces: Record<string, Box[]> = {}): DevelopmentSet {
  const labels = JSON.parse(readFileSync(`${folder}labels.json`, 'utf8')) as Record<string, CountLabel>;
  const photos = Object.entries(labels).map(([path, label]): LabeledPhoto => ({
    path,
    clearFaces: label.faces,
    optionalFaces: label.small_or_partial,
    ...(path.startsWith('pairs/') && { identity: path.split('/')[1]! }),
    ...(!path.startsWith('pairs/') && label.identity && { note: label.identity }),
    nonPhoto: label.kind === 'non-photo-face',
    score: (found) => ({
      falseFaces: Math.max(
        found.length - label.faces - label.small_or_partial,
        matchFaces((notFaces[path] ?? []).map((box) => ({ ...box, flags: [] })), found.map((face) => face.box as Box)).matched,
      ),
      missed: Math.max(0, label.faces - found.length),
    }),
  }));
  return { name, folder, photos };
}
