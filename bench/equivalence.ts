// npm run equivalence [-- <folder> ...]
// How far each encoding moved from main's, face by face. Main's encodings are face-api's
// own pipeline on TensorFlow.js (SSD MobileNet, then the landmark and descriptor nets):
// the engine before issue 17 gave them within 2.2e-6 for every face SSD found. Faces are
// paired by box; faces only one engine found are counted apart. Default folders: the
// committed fixtures and ../shared/fixtures/dev-set. For scale, the same for face-api
// itself on each photo re-saved as a JPEG of quality 85: how far its own encodings move
// when nothing but the file changes.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import sharp from 'sharp';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intersectionOverUnion } from '../src/adapters/encoder/engine/faceBoxes.ts';
import { loadFaceModel } from '../src/adapters/encoder/faceModel.ts';
import { loadConfig } from '../src/app/config.ts';
import type { Face } from '../src/domain/ImageEncodings.ts';
import { euclidean } from '../test/support/engineComparison.ts';
import { loadReferenceFaceModel } from '../test/support/faceApiReference.ts';
import { median } from './evalMetrics.ts';

const defaults = ['../test/fixtures/', '../../shared/fixtures/dev-set/'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
const folders = process.argv.length > 2 ? process.argv.slice(2) : defaults.filter((folder) => existsSync(folder));

const config = loadConfig({});
const reference = await loadReferenceFaceModel({ maxInputPixels: config.MAX_INPUT_PIXELS });
const engine = await loadFaceModel({
  maxInputPixels: config.MAX_INPUT_PIXELS,
  modelCacheFolder: config.MODEL_CACHE_DIR,
  intraOpThreads: 1,
  onCacheFailure: (error: unknown) => console.warn(`not cached: ${String(error)}`),
});

/** Boxes of one face drawn by two detectors overlap by at least this much (IoU). */
const SAME_FACE = 0.4;
const rows: string[] = [];
const distances: number[] = [];
const resaved: number[] = [];
let onlyBefore = 0;
let onlyNow = 0;
for (const folder of folders) {
  for (const file of photos(folder)) {
    const bytes = readFileSync(file);
    const [before, now] = [await reference.encode(bytes), await engine.encode(bytes)];
    const pairs = paired(before, now);
    resaved.push(...paired(before, await reference.encode(await sharp(bytes).jpeg({ quality: 85 }).toBuffer())).map((pair) => pair.distance));
    distances.push(...pairs.map((pair) => pair.distance));
    onlyBefore += before.length - pairs.length;
    onlyNow += now.length - pairs.length;
    const shown = pairs.map((pair) => pair.distance.toFixed(3)).join(', ');
    rows.push(`| ${relative(join(folder, '..'), file)} | ${before.length} | ${now.length} | ${shown} |`);
  }
}
await engine.close();

const sorted = [...distances].sort((a, b) => a - b);
const quantile = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(3);
console.log(`| photo | faces before (face-api, SSD) | faces now (YuNet) | distance of each face found by both |
|---|---|---|---|
${rows.join('\n')}

${distances.length} faces found by both: encoding distance median **${median(distances).toFixed(3)}** (target under 0.06), 75th percentile ${quantile(0.75)}, 90th ${quantile(0.9)}, largest ${quantile(1)}.
For scale: face-api's own encodings of the same photos re-saved as JPEG quality 85 moved by a median of ${median(resaved).toFixed(3)} (${resaved.length} faces).
${onlyBefore} faces only face-api's SSD found; ${onlyNow} faces only YuNet found (face-api's SSD missed them, so they had no encoding before).`);

/** Each face found before paired with the face found now whose box overlaps it most. */
function paired(before: readonly Face[], now: readonly Face[]): { distance: number }[] {
  const candidates = before.flatMap((a, i) => now.map((b, j) => ({ i, j, overlap: intersectionOverUnion(a.box!, b.box!) })));
  const used = { before: new Set<number>(), now: new Set<number>() };
  const pairs: { distance: number }[] = [];
  for (const { i, j, overlap } of candidates.sort((a, b) => b.overlap - a.overlap)) {
    if (overlap < SAME_FACE || used.before.has(i) || used.now.has(j)) continue;
    used.before.add(i);
    used.now.add(j);
    pairs.push({ distance: euclidean(before[i]!.encoding, now[j]!.encoding) });
  }
  return pairs;
}

function photos(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((path) => join(folder, path))
    .filter((path) => statSync(path).isFile() && /\.(jpe?g|png|webp)$/i.test(path))
    .sort();
}
