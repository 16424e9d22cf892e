// npm run plot: the DET curve of the committed match rates (models/match-rates.json), false
// non-match rate against false match rate on log scales, as docs/det-curve.svg (vega-lite,
// rendered without a canvas) and docs/det-curve.png (sharp). Never drawn by hand: run it
// again whenever the table changes; a test checks the SVG was made from the committed table.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { loadMatchRates, matchRatesFile } from '../src/app/matchRates.ts';
import { upperBound95 } from '../src/domain/matchRates.ts';

export const detCurveSvg = new URL('../docs/det-curve.svg', import.meta.url);
const detCurvePng = new URL('../docs/det-curve.png', import.meta.url);

/** What marks the SVG as made from the table: its SHA-256. */
export const tableMark = (table: Buffer) => `made from models/match-rates.json, sha256 ${createHash('sha256').update(table).digest('hex')}`;

if (import.meta.main) {
  const table = readFileSync(matchRatesFile);
  const rates = loadMatchRates();
  // A log scale has no 0: only thresholds where both rates were measured above 0 are drawn,
  // and the subtitle says where the measurements run out on either side.
  const points = rates.impostorsAtMost.flatMap((falseMatches, index) => {
    const falseNonMatches = rates.genuinePairs - rates.genuineAtMost[index]!;
    const threshold = Math.round(index * rates.step * 100) / 100;
    return falseMatches > 0 && falseNonMatches > 0 ? [{ threshold, fmr: falseMatches / rates.impostorPairs, fnmr: falseNonMatches / rates.genuinePairs }] : [];
  });
  const firstMatch = points[0]!.threshold;
  const lastMiss = points.at(-1)!.threshold;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `DET curve of ${rates.engine}`,
      subtitle: [
        `${rates.impostorPairs.toLocaleString('en')} impostor and ${rates.genuinePairs} genuine pairs (${rates.sets.join(' + ')}); labels: thresholds`,
        `below ${firstMatch.toFixed(2)} no impostor pair is that near (false match rate under ${upperBound95(0, rates.impostorPairs).toPrecision(2)}, 95%);`,
        `past ${lastMiss.toFixed(2)} no genuine pair is farther (false non-match rate under ${upperBound95(0, rates.genuinePairs).toPrecision(2)}, 95%)`,
      ],
    },
    width: 520,
    height: 400,
    background: 'white',
    data: { values: points },
    encoding: {
      x: { field: 'fmr', type: 'quantitative', scale: { type: 'log' }, title: 'false match rate (different people called the same)' },
      y: { field: 'fnmr', type: 'quantitative', scale: { type: 'log' }, title: 'false non-match rate (one person called two)' },
    },
    layer: [
      { mark: { type: 'line', color: '#3060a0', point: { filled: true, size: 36 } }, encoding: { order: { field: 'threshold' } } },
      {
        transform: [{ filter: 'abs(datum.threshold * 50 - round(datum.threshold * 50)) < 0.001' }],
        mark: { type: 'text', align: 'left', dx: 7, dy: -7, fontSize: 11 },
        encoding: { text: { field: 'threshold', type: 'quantitative', format: '.2f' } },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = (await view.toSVG()).replace(/^<svg([^>]*)>/, `<svg$1><!-- ${tableMark(table)} -->`);
  view.finalize();
  writeFileSync(detCurveSvg, `${svg}\n`);
  await sharp(Buffer.from(svg), { density: 144 }).png().toFile(detCurvePng.pathname);
  console.log(`wrote docs/det-curve.svg and docs/det-curve.png (${points.length} thresholds)`);
}
