// npm run equivalence [-- <folder> ...]
// The ONNX engine against face-api on TensorFlow.js (the engine it replaced), photo by
// photo: faces found, the largest box difference, the largest encoding distance. Twice:
// SSD alone (the same pipeline on another runtime: every face must match), and the
// service's engine with its checking stage (faces face-api found either keep their box
// and encoding or are dropped as false). Default folders: the committed fixtures and
// ../shared/fixtures/dev-set.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFaceModel } from '../src/adapters/encoder/faceModel.ts';
import { loadConfig } from '../src/app/config.ts';
import { compareFaces } from '../test/support/engineComparison.ts';
import { loadReferenceFaceModel } from '../test/support/faceApiReference.ts';

const defaults = ['../test/fixtures/', '../../shared/fixtures/dev-set/'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
const folders = process.argv.length > 2 ? process.argv.slice(2) : defaults.filter((folder) => existsSync(folder));

const config = loadConfig({});
const reference = await loadReferenceFaceModel({ maxInputPixels: config.MAX_INPUT_PIXELS });
const engineOptions = {
  maxInputPixels: config.MAX_INPUT_PIXELS,
  modelCacheFolder: config.MODEL_CACHE_DIR,
  intraOpThreads: 1,
  onCacheFailure: (error: unknown) => console.warn(`not cached: ${String(error)}`),
};
const ssdAlone = await loadFaceModel({ ...engineOptions, detection: 'ssd' });
const service = await loadFaceModel(engineOptions);

const rows: string[] = [];
let worstBox = 0;
let worstDistance = 0;
let countMismatches = 0;
let images = 0;
let dropped = 0;
let added = 0;
let worstKeptDistance = 0;
for (const folder of folders) {
  for (const file of photos(folder)) {
    const bytes = readFileSync(file);
    const expected = await reference.encode(bytes);
    const difference = compareFaces(expected, await ssdAlone.encode(bytes));
    const checked = compareFaces(expected, await service.encode(bytes), true);
    images += 1;
    if (difference.faces !== difference.referenceFaces) countMismatches += 1;
    worstBox = Math.max(worstBox, difference.maxBoxPixels);
    worstDistance = Math.max(worstDistance, difference.maxEncodingDistance);
    dropped += checked.dropped;
    added += checked.faces - (checked.referenceFaces - checked.dropped);
    worstKeptDistance = Math.max(worstKeptDistance, checked.maxEncodingDistance);
    const name = relative(join(folder, '..'), file);
    rows.push(
      `| ${name} | ${difference.referenceFaces} | ${difference.faces} | ${difference.maxBoxPixels} | ${difference.maxEncodingDistance.toExponential(1)} | ${checked.faces} | ${checked.dropped || ''} | ${checked.maxEncodingDistance.toExponential(1)} |`,
    );
  }
}
await Promise.all([ssdAlone.close(), service.close()]);

console.log(`| photo | faces, face-api on tfjs | faces, ONNX SSD alone | max box difference (px) | max encoding distance | faces, service engine | face-api faces it dropped | max encoding distance of those kept |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${images} photos. SSD alone on onnxruntime: ${countMismatches} with a different face count, boxes within ${worstBox} px, encodings within ${worstDistance.toExponential(1)} (Euclidean).
The service's engine: ${dropped} of face-api's faces dropped by the check, ${added} faces added; every face kept has its box and its encoding within ${worstKeptDistance.toExponential(1)}.`);

function photos(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((path) => join(folder, path))
    .filter((path) => statSync(path).isFile() && /\.(jpe?g|png|webp)$/i.test(path))
    .sort();
}
