// How far an engine change moves the encodings of faces already stored: every face the
// engine finds in the development sets, saved once from the engine before the change
// (`npm run eval -- --save-encodings FILE`), then compared by `npm run eval --
// --drift-from FILE`. Faces pair up by box overlap; the saved file holds biometric
// data of the development photos, so it stays out of the repository (bench/results/).
import { readFileSync, writeFileSync } from 'node:fs';
import { intersectionOverUnion } from '../src/adapters/encoder/engine/faceBoxes.ts';
import type { Box, Face } from '../src/domain/ImageEncodings.ts';
import { euclidean } from '../test/support/engineComparison.ts';
import { median, percentile } from './evalMetrics.ts';

export interface SavedFace {
  readonly box: Box;
  readonly encoding: readonly number[];
}

/** Faces by photo (the set's name and the photo's path). */
export type SavedEncodings = Record<string, readonly SavedFace[]>;

export function saveEncodings(file: string, found: ReadonlyMap<string, readonly Face[]>): void {
  const saved: SavedEncodings = {};
  for (const [photo, faces] of found) saved[photo] = faces.map((face) => ({ box: face.box!, encoding: face.encoding }));
  writeFileSync(file, JSON.stringify(saved));
}

/** What `saveEncodings` wrote, as the faces of each photo (box and encoding). */
export function loadEncodings(file: string): Map<string, Face[]> {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedEncodings;
  return new Map(Object.entries(saved).map(([photo, faces]) => [photo, faces.map((face) => ({ box: face.box, encoding: face.encoding }) as Face)]));
}

/**
 * Each saved face against the face now found over it (IoU at least 0.5): median and p90
 * distance, and how many paired. Then what users of stored encodings see: each identity
 * photo's saved encoding against every other identity photo's encoding now (`identities`:
 * the person in each photo, by the same keys), at `threshold`.
 */
export function driftReport(file: string, found: ReadonlyMap<string, readonly Face[]>, identities: ReadonlyMap<string, string>, threshold: number): string {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedEncodings;
  // By the folder each photo is in (a set's identity crops, its groups...), and all together.
  const groups = new Map<string, { saved: number; distances: number[] }>();
  const group = (name: string) => groups.get(name) ?? groups.set(name, { saved: 0, distances: [] }).get(name)!;
  for (const [photo, before] of Object.entries(saved)) {
    const now = found.get(photo);
    if (!now) continue;
    for (const face of before) {
      const overlaps = now.map((other) => intersectionOverUnion(face.box, other.box!));
      const best = overlaps.indexOf(Math.max(...overlaps));
      const paired = best >= 0 && overlaps[best]! >= 0.5 ? euclidean(face.encoding, now[best]!.encoding) : undefined;
      for (const name of [photo.split('/').slice(0, 2).join('/'), 'all']) {
        group(name).saved += 1;
        if (paired !== undefined) group(name).distances.push(paired);
      }
    }
  }
  const rows = [...groups].map(([name, { saved: count, distances }]) => {
    const over = (limit: number) => distances.filter((d) => d > limit).length;
    return `| ${name} | ${count} | ${distances.length} | ${median(distances).toFixed(3)} | ${percentile(distances, 0.9).toFixed(3)} | ${over(0.3)} | ${over(0.6)} |`;
  });
  const largestOf = <T extends { box?: Box }>(faces: readonly T[] | undefined) =>
    [...(faces ?? [])].sort((a, b) => (b.box ? b.box.width * b.box.height : 0) - (a.box ? a.box.width * a.box.height : 0))[0];
  const photos = [...identities].map(([photo, person]) => ({ person, before: largestOf(saved[photo]), now: largestOf(found.get(photo)) }));
  const same: number[] = [];
  const different: number[] = [];
  for (const a of photos) {
    for (const b of photos) {
      if (a === b || !a.before || !b.now) continue;
      (a.person === b.person ? same : different).push(euclidean(a.before.encoding, b.now.encoding));
    }
  }
  const share = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}% (${part} of ${whole})`;
  return `### Upright faces against the saved engine's encodings (${file})

| photos | faces saved | paired now | median distance | p90 | over 0.3 | over 0.6 |
|---|---|---|---|---|---|---|
${rows.join('\n')}

Stored encodings against new ones: each identity photo's saved encoding against every other identity photo's now, at ${threshold}: same person accepted ${share(same.filter((d) => d < threshold).length, same.length)}, different people rejected ${share(different.filter((d) => d >= threshold).length, different.length)}.
`;
}
