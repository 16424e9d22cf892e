// The same face at any angle: each one-face photo of the development sets turned in the
// image plane and encoded again, against the same photo upright (issue 24's protocol).
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { FaceEngine } from '../src/adapters/encoder/engine/FaceEngine.ts';
import type { Face } from '../src/domain/ImageEncodings.ts';
import { euclidean } from '../test/support/engineComparison.ts';
import type { DevelopmentSet } from './evalSets.ts';
import { median, percentile } from './evalMetrics.ts';

const GREY = { r: 128, g: 128, b: 128 };
/** The engine decodes at most 1280 px a side: photos are first made small enough that no turn shrinks the face. */
const DECODE_SIDE = 1280;

interface Turn {
  readonly label: string;
  readonly angles: readonly number[];
}

const turns: readonly Turn[] = [
  { label: '±15°', angles: [-15, 15] },
  { label: '±30°', angles: [-30, 30] },
  { label: '±45°', angles: [-45, 45] },
  { label: 'a quarter each way, no EXIF tag', angles: [90, 270] },
  { label: 'a half turn', angles: [180] },
];

async function turned(image: Buffer, angle: number): Promise<Buffer> {
  return sharp(image).rotate(angle, { background: GREY }).jpeg({ quality: 95 }).toBuffer();
}

/** The photo upright as its EXIF tag says, small enough that any turn fits the decode, as JPEG 95 without the tag. */
async function prepared(bytes: Buffer): Promise<Buffer> {
  const upright = await sharp(bytes).autoOrient().toBuffer({ resolveWithObject: true });
  const { width, height } = upright.info;
  const scale = Math.min(1, DECODE_SIDE / Math.hypot(width, height));
  return sharp(upright.data)
    .resize(Math.round(width * scale), Math.round(height * scale))
    .removeAlpha()
    .jpeg({ quality: 95 })
    .toBuffer();
}

interface Measured {
  found: number;
  tried: number;
  distances: number[];
  /** Milliseconds per encode. */
  times: number[];
}

const nearest = (reference: Face, faces: readonly Face[]) => Math.min(...faces.map((face) => euclidean(reference.encoding, face.encoding)));

export async function anyAngleReport(sets: readonly DevelopmentSet[], model: FaceEngine, threshold: number): Promise<string> {
  const rows: string[] = [];
  const pairRows: string[] = [];
  const farOff: string[] = [];
  const notFound: string[] = [];
  for (const set of sets) {
    const byTurn = new Map<string, Measured>([...turns.map((turn) => turn.label), 'back'].map((label) => [label, { found: 0, tried: 0, distances: [], times: [] }]));
    const identities: { person: string; upright: Face; turned30: Face | undefined }[] = [];
    let oneFacePhotos = 0;
    let notFoundUpright = 0;
    for (const photo of set.photos) {
      if (photo.nonPhoto || photo.clearFaces !== 1 || photo.optionalFaces !== 0) continue;
      oneFacePhotos += 1;
      const upright = await prepared(readFileSync(set.folder + photo.path));
      const [reference, ...others] = await model.encode(upright);
      if (!reference || others.length > 0) {
        notFoundUpright += 1;
        continue;
      }
      const measure = async (label: string, image: Buffer) => {
        const measured = byTurn.get(label)!;
        const started = performance.now();
        const faces = await model.encode(image);
        measured.times.push(performance.now() - started);
        measured.tried += 1;
        if (faces.length === 0) {
          notFound.push(`${set.name}/${photo.path} (${label})`);
          return;
        }
        measured.found += 1;
        const distance = nearest(reference, faces);
        measured.distances.push(distance);
        if (distance >= threshold) farOff.push(`${set.name}/${photo.path} (${label})`);
      };
      for (const turn of turns) for (const angle of turn.angles) await measure(turn.label, await turned(upright, angle));
      await measure('back', await turned(await turned(upright, 30), -30));
      if (photo.identity) identities.push({ person: photo.identity, upright: reference, turned30: (await model.encode(await turned(upright, 30)))[0] });
    }
    for (const [label, measured] of byTurn) {
      const { distances } = measured;
      const name = label === 'back' ? 'turned 30° and back (the noise floor)' : label;
      rows.push(
        `| ${set.name} | ${name} | ${measured.found} of ${measured.tried} | ${median(distances).toFixed(3)} | ${percentile(distances, 0.9).toFixed(3)} | ${distances.filter((d) => d >= threshold).length} | ${Math.round(median(measured.times))} |`,
      );
    }
    rows.push(`| ${set.name} | (one-face photos: ${oneFacePhotos}; not one face upright, left out: ${notFoundUpright}) | | | | | |`);
    // Every ordered pair: one photo upright against the other turned 30°.
    let same = 0;
    let sameAccepted = 0;
    let different = 0;
    let differentRejected = 0;
    for (const a of identities) {
      for (const b of identities) {
        if (a === b) continue;
        const accepted = b.turned30 !== undefined && euclidean(a.upright.encoding, b.turned30.encoding) < threshold;
        if (a.person === b.person) {
          same += 1;
          if (accepted) sameAccepted += 1;
        } else {
          different += 1;
          if (!accepted) differentRejected += 1;
        }
      }
    }
    const share = (part: number, whole: number) => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}% (${part} of ${whole})`);
    pairRows.push(`| ${set.name} | ${share(sameAccepted, same)} | ${share(differentRejected, different)} |`);
  }
  return `### At any angle: one-face photos turned in the image plane (grey fill, JPEG 95), against the same photo upright

| set | turn | faces found | median distance to upright | p90 | at or over ${threshold} | median ms an encode |
|---|---|---|---|---|---|---|
${rows.join('\n')}

No face found: ${notFound.join(', ') || 'none'}. At or over ${threshold}: ${farOff.join(', ') || 'none'}.

Identity pairs, one photo upright and the other turned 30°, at ${threshold}:

| set | same person accepted | different people rejected |
|---|---|---|
${pairRows.join('\n')}
`;
}
