// npm run eval [-- --set dev-set|dev-set-2] [--folder DIR ...] [--summary]
// The built-in engine on the development sets (../shared/fixtures/dev-set, labeled with
// boxes in bench/dev-set-labels.json, and ../shared/fixtures/dev-set-2, labeled with
// counts in its labels.json): per photo the truth and what was found, then per set and
// for both together false faces, missed clear faces, faces found in drawings and
// paintings, wrong too_many_faces decisions, verification AUC on the identity pairs, the
// median time per photo; the identity photos set into larger photos, which the decode
// reads at 1280; and the face counts on the photos the tests assert on.
// --summary leaves out the per-photo rows (a first look at a set that is not to be fitted).
// --folder evaluates other folders labeled as dev-set-2 is (a labels.json of counts), such
// as the held-out check that bench/heldOut.ts puts together, instead of the development sets.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ENGINE_VERSION, FaceEngine, thresholds } from '../src/adapters/encoder/engine/FaceEngine.ts';
import { loadConfig } from '../src/app/config.ts';
import type { Box, Face } from '../src/domain/ImageEncodings.ts';
import { euclidean } from '../test/support/engineComparison.ts';
import { anyAngleReport } from './anyAngle.ts';
import { decidedPairs, matchRatesOf, rateTable, writeMatchRates } from './calibration.ts';
import { driftReport, loadEncodings, saveEncodings } from './engineDrift.ts';
import { countLabeled, devSet, devSet2, type DevelopmentSet } from './evalSets.ts';
import { atThreshold, bestThreshold, median, verificationAuc } from './evalMetrics.ts';

const { values: args } = parseArgs({
  options: {
    set: { type: 'string', multiple: true },
    folder: { type: 'string', multiple: true },
    summary: { type: 'boolean', default: false },
    'save-encodings': { type: 'string' },
    'drift-from': { type: 'string' },
    'service-only': { type: 'boolean', default: false },
    'write-match-rates': { type: 'boolean', default: false },
  },
});
const config = loadConfig(process.env);
const publishedThreshold = 0.6;

interface SetRun {
  name: string;
  rows: string[];
  photos: number;
  clearFaces: number;
  falseFaces: number;
  missed: number;
  nonPhotoFaces: number;
  nonPhotos: number;
  wrongTooMany: number;
  same: number[];
  different: number[];
  identityPhotosWithoutFace: number;
  times: number[];
  verdicts: Record<string, number>;
  /** Every photo's faces, by the set's name and the photo's path. */
  found: Map<string, Face[]>;
}

async function evaluate(set: DevelopmentSet, model: FaceEngine): Promise<SetRun> {
  const run: SetRun = { name: set.name, rows: [], photos: 0, clearFaces: 0, falseFaces: 0, missed: 0, nonPhotoFaces: 0, nonPhotos: 0, wrongTooMany: 0, same: [], different: [], identityPhotosWithoutFace: 0, times: [], verdicts: {}, found: new Map() };
  const identities: { person: string; encoding: readonly number[] | undefined }[] = [];
  for (const photo of set.photos) {
    const bytes = readFileSync(set.folder + photo.path);
    const started = performance.now();
    const faces = await model.encode(bytes);
    run.times.push(performance.now() - started);
    run.found.set(`${set.name}/${photo.path}`, faces);
    for (const face of faces) if (face.quality) run.verdicts[face.quality.for_recognition] = (run.verdicts[face.quality.for_recognition] ?? 0) + 1;
    const { falseFaces, missed } = photo.score(faces);
    // Too many is required when the faces that must be found are already too many; allowed
    // (not required) when only optional ones take the count past the limit.
    const saysTooMany = faces.length > config.MAX_FACES;
    const wrong = photo.clearFaces > config.MAX_FACES ? !saysTooMany : photo.clearFaces + photo.optionalFaces <= config.MAX_FACES && saysTooMany;
    if (photo.nonPhoto) {
      run.nonPhotos += 1;
      run.nonPhotoFaces += faces.length;
    } else {
      run.photos += 1;
      run.clearFaces += photo.clearFaces;
      run.falseFaces += falseFaces;
      run.missed += missed;
      if (wrong) run.wrongTooMany += 1;
    }
    if (photo.identity) identities.push({ person: photo.identity, encoding: largest(faces)?.encoding });
    const labeled = `${photo.clearFaces}${photo.optionalFaces > 0 ? ` (+${photo.optionalFaces})` : ''}`;
    run.rows.push(`| ${photo.path} | ${labeled} | ${faces.length} | ${falseFaces || ''} | ${missed || ''} | ${wrong ? 'WRONG' : ''} | ${Math.round(run.times.at(-1)!)} |`);
  }
  identities.forEach((a, i) =>
    identities.slice(i + 1).forEach((b) => {
      const distance = a.encoding && b.encoding ? euclidean(a.encoding, b.encoding) : Infinity;
      (a.person === b.person ? run.same : run.different).push(distance);
    }),
  );
  run.identityPhotosWithoutFace = identities.filter((photo) => !photo.encoding).length;
  return run;
}

function largest(faces: readonly Face[]): Face | undefined {
  const area = (box: Box | undefined) => (box ? box.width * box.height : 0);
  return [...faces].sort((a, b) => area(b.box) - area(a.box))[0];
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

function photoTable(run: SetRun): string {
  return `### ${run.name}, photo by photo

| photo | clear faces (+ optional) | found | false faces | missed clear faces | too_many_faces | ms |
|---|---|---|---|---|---|---|
${run.rows.join('\n')}
`;
}

function summaryRow(run: SetRun): string {
  const verification = () => {
    if (run.same.length === 0) return '| no identity pairs | |';
    const published = atThreshold(run.same, run.different, publishedThreshold);
    const best = bestThreshold(run.same, run.different);
    return `| ${verificationAuc(run.same, run.different).toFixed(4)} (${run.same.length} + ${run.different.length} pairs, ${run.identityPhotosWithoutFace} photos without a face) | ${percent(published.trueAcceptRate)} / ${percent(published.falseAcceptRate)} (best ${best.threshold}) |`;
  };
  return `| ${run.name} | ${run.photos} | ${run.falseFaces} | ${run.missed} of ${run.clearFaces} (${percent(run.missed / run.clearFaces)}) | ${run.nonPhotoFaces} in ${run.nonPhotos} | ${run.wrongTooMany} ${verification()} ${Math.round(median(run.times))} ms |`;
}

function together(runs: readonly SetRun[]): SetRun {
  const sum = (pick: (run: SetRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
  return {
    name: 'both',
    rows: [],
    photos: sum((run) => run.photos),
    clearFaces: sum((run) => run.clearFaces),
    falseFaces: sum((run) => run.falseFaces),
    missed: sum((run) => run.missed),
    nonPhotoFaces: sum((run) => run.nonPhotoFaces),
    nonPhotos: sum((run) => run.nonPhotos),
    wrongTooMany: sum((run) => run.wrongTooMany),
    same: runs.flatMap((run) => run.same),
    different: runs.flatMap((run) => run.different),
    identityPhotosWithoutFace: sum((run) => run.identityPhotosWithoutFace),
    times: runs.flatMap((run) => run.times),
    verdicts: {},
    found: new Map(runs.flatMap((run) => [...run.found])),
  };
}

/**
 * What reading faces from the 1280 px decode costs in larger photos: each identity photo,
 * at its own size, in the middle of a grey JPEG 2560, 4000 or 6000 px long (5, 12 and
 * 24 MP), which the decode shrinks to 1280; and, to tell what the grey and the JPEG do
 * from what the size does, in a grey margin a quarter of its size. Faces found, their median height as read,
 * how far each moved from its encoding as the photo is, and AUC over the pairs whose two
 * photos both gave a face.
 */
async function largerPhotosReport(sets: readonly DevelopmentSet[], model: FaceEngine): Promise<string> {
  const photos = sets.flatMap((set) => set.photos.filter((photo) => photo.identity).map((photo) => ({ person: photo.identity!, bytes: readFileSync(set.folder + photo.path) })));
  if (photos.length === 0) return '';
  const asTheyAre = await Promise.all(photos.map(async (photo) => largest(await model.encode(photo.bytes))));
  const rows: string[] = [];
  for (const size of [undefined, 'margin', { width: 2560, height: 1920 }, { width: 4000, height: 3000 }, { width: 6000, height: 4000 }] as const) {
    const faces: (Face | undefined)[] = [];
    for (const [i, photo] of photos.entries()) {
      if (!size) {
        faces.push(asTheyAre[i]);
        continue;
      }
      const { width = 0, height = 0 } = await sharp(photo.bytes).metadata();
      const canvas = size === 'margin' ? { width: Math.round(width * 1.5), height: Math.round(height * 1.5) } : size;
      const large = await sharp({ create: { ...canvas, channels: 3, background: '#808080' } })
        .composite([{ input: photo.bytes, left: Math.round((canvas.width - width) / 2), top: Math.round((canvas.height - height) / 2) }])
        .jpeg({ quality: 92 })
        .toBuffer();
      faces.push(largest(await model.encode(large)));
    }
    const same: number[] = [];
    const different: number[] = [];
    // Each face read this way against every other photo as it is: a selfie against a group photo.
    faces.forEach((a, i) =>
      asTheyAre.forEach((b, j) => {
        if (a && b && i !== j) (photos[i]!.person === photos[j]!.person ? same : different).push(euclidean(a.encoding, b.encoding));
      }),
    );
    const found = faces.filter((face) => face !== undefined);
    const moved = faces.flatMap((face, i) => (face && asTheyAre[i] ? [euclidean(face.encoding, asTheyAre[i].encoding)] : []));
    const label = !size ? 'as they are' : size === 'margin' ? 'in a grey margin a quarter of their size (the control)' : `in a ${size.width}x${size.height} photo`;
    const published = atThreshold(same, different, publishedThreshold);
    rows.push(`| ${label} | ${found.length} of ${photos.length} | ${median(found.map((face) => face.quality?.size ?? 0))} px | ${median(moved).toFixed(3)} | ${verificationAuc(same, different).toFixed(4)} (${same.length} + ${different.length} pairs) | ${percent(published.trueAcceptRate)} / ${percent(published.falseAcceptRate)} |`);
  }
  return `### The identity photos set in larger photos (read at 1280 px a side)

| identity photos | faces found | median face height read | median distance from the encoding as they are | AUC against the other photos as they are | at ${publishedThreshold}: true / false accepts |
|---|---|---|---|---|---|
${rows.join('\n')}
`;
}

/**
 * False match and false non-match rates (bench/calibration.ts): per set, both together, and
 * with --drift-from, the encodings saved then (before alignment, for 6a6d13b's). With
 * --write-match-rates and both sets, the table both together give becomes the one the
 * service loads.
 */
function matchRatesReport(sets: readonly DevelopmentSet[], runs: readonly SetRun[], found: ReadonlyMap<string, readonly Face[]>): string {
  const names = sets.map((set) => set.name);
  const parts = [
    ...(sets.length > 1 ? sets.map((set, i) => [set.name, matchRatesOf(ENGINE_VERSION, decidedPairs([set], runs[i]!.found), [set.name])] as const) : []),
    [names.join(' + '), matchRatesOf(ENGINE_VERSION, decidedPairs(sets, found), names)] as const,
  ];
  if (args['drift-from']) parts.push([`${names.join(' + ')}, the encodings in ${basename(args['drift-from'])}`, matchRatesOf('saved', decidedPairs(sets, loadEncodings(args['drift-from'])), names)]);
  const together = parts.at(sets.length > 1 ? sets.length : 0)![1];
  if (args['write-match-rates']) {
    if (!names.includes('dev-set') || !names.includes('dev-set-2') || args.folder) throw new Error('--write-match-rates needs both development sets and nothing else');
    writeMatchRates(together);
  }
  return `### What a distance means: false match rates (${ENGINE_VERSION})

${parts.map(([name, rates]) => `#### ${name}: ${rates.genuinePairs} genuine pairs, ${rates.impostorPairs} impostor pairs\n\n${rateTable(rates, publishedThreshold)}`).join('\n\n')}
${args['write-match-rates'] ? '\nWritten to models/match-rates.json.\n' : ''}`;
}

/** The photos the tests assert on (never used to fit anything): their face counts. */
async function testPhotosReport(model: FaceEngine): Promise<string> {
  const expected: [URL, number][] = [
    ['one-face-soccer.jpg', 1],
    ['one-face-basketball-1.png', 1],
    ['one-face-basketball-2.png', 1],
    ['no-face-baboon.jpg', 0],
  ].map(([name, faces]) => [new URL(`../test/fixtures/${name}`, import.meta.url), faces as number]);
  const seed = new URL('../../shared/fixtures/seed-images/', import.meta.url);
  if (existsSync(seed)) {
    for (const [name, faces] of [['two-faces.jpg', 2], ['six-faces.jpg', 6], ['no-face-landscape.jpg', 0], ['large-6000x4000-no-face.jpg', 0]] as const) {
      expected.push([new URL(name, seed), faces]);
    }
  }
  const rows: string[] = [];
  for (const [url, faces] of expected) {
    const found = await model.encode(readFileSync(url));
    rows.push(`| ${url.pathname.split('/').slice(-2).join('/')} | ${faces} | ${found.length} | ${found.map((face) => `${face.score} ${face.quality?.for_recognition}`).join(', ')} |`);
  }
  return `### The photos the tests assert on (not used for fitting)

| photo | faces | found | score, for_recognition |
|---|---|---|---|
${rows.join('\n')}
`;
}

const folders = (args.folder ?? []).map((folder) => countLabeled(basename(folder), resolve(folder) + sep));
const sets = [...(args.folder ? [] : [devSet(), devSet2()]), ...folders].filter(
  (set): set is DevelopmentSet => set !== undefined && (!args.set || args.set.includes(set.name)),
);
if (sets.length === 0) {
  console.error('eval: no development set found; they live beside the repository in ../shared/fixtures.');
  process.exit(1);
}
const engineOptions = {
  maxInputPixels: config.MAX_INPUT_PIXELS,
  intraOpThreads: config.ENCODER_INTRA_OP_THREADS,
};
// The service's engine, then the same without its checking stage, so the stage's effect shows.
const variants: [string, boolean][] = [
  ['the service: detections YuNet is unsure of get a second look', true],
  [`without the second look (YuNet's score alone, from ${thresholds.detect.minScore})`, false],
];
if (args['service-only']) variants.splice(1);
const summaries: string[] = [];
let testPhotos = '';
let largerPhotos = '';
let drift = '';
let anyAngle = '';
let matchRates = '';
for (const [name, secondLook] of variants) {
  const model = await FaceEngine.load({ ...engineOptions, secondLook });
  const runs: SetRun[] = [];
  for (const set of sets) runs.push(await evaluate(set, model));
  if (secondLook && !args.summary) for (const run of runs) console.log(photoTable(run));
  summaries.push(`#### ${name}

| set | photos | false faces | missed clear faces | faces found in drawings and paintings | wrong too_many_faces (MAX_FACES=${config.MAX_FACES}) | AUC, identity pairs | at ${publishedThreshold}: true / false accepts | median per photo |
|---|---|---|---|---|---|---|---|---|
${[...runs, ...(runs.length > 1 ? [together(runs)] : [])].map(summaryRow).join('\n')}

Faces by for_recognition: ${runs.map((run) => `${run.name}: ${['high', 'medium', 'low'].map((v) => `${v} ${run.verdicts[v] ?? 0}`).join(', ')}`).join('; ')}.
`);
  if (secondLook) {
    const found = together(runs).found;
    if (args['save-encodings']) saveEncodings(args['save-encodings'], found);
    const identities = new Map(sets.flatMap((set) => set.photos.flatMap((photo) => (photo.identity ? [[`${set.name}/${photo.path}`, photo.identity] as const] : []))));
    if (args['drift-from']) drift = driftReport(args['drift-from'], found, identities, publishedThreshold);
    matchRates = matchRatesReport(sets, runs, found);
  }
  if (secondLook) testPhotos = await testPhotosReport(model);
  if (secondLook) largerPhotos = await largerPhotosReport(sets, model);
  if (secondLook) anyAngle = await anyAngleReport(sets, model, publishedThreshold);
  await model.close();
}
console.log(`### Summary (${availableParallelism()} cores, intra-op threads ${config.ENCODER_INTRA_OP_THREADS})

${summaries.join('\n')}`);
console.log(matchRates);
console.log(largerPhotos);
console.log(drift);
console.log(anyAngle);
console.log(testPhotos);
