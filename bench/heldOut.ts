// node bench/heldOut.ts [folder]
// Puts together the held-out check: 49 photos from Debian's opencv-doc, python3-skimage and
// python3-scipy packages (portraits, a group, animals, face-like objects), labeled by eye
// in bench/held-out-labels.json before the engine ever read them, and never fitted to.
// apt-get downloads the packages (no install); then `npm run eval -- --folder <folder>`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

interface HeldOutLabel {
  readonly source: string;
  readonly faces: number;
  readonly small_or_partial: number;
}

const folder = process.argv[2] ?? 'bench/results/held-out';
const labels = JSON.parse(readFileSync(new URL('./held-out-labels.json', import.meta.url), 'utf8')) as Record<string, HeldOutLabel>;
const packages = [...new Set(Object.values(labels).map((label) => label.source.split(':')[0]!))];
const work = mkdtempSync(join(tmpdir(), 'held-out-'));
try {
  execFileSync('apt-get', ['download', ...packages], { cwd: work, stdio: 'inherit' });
  for (const deb of execFileSync('sh', ['-c', 'ls *.deb'], { cwd: work, encoding: 'utf8' }).trim().split('\n')) {
    execFileSync('dpkg-deb', ['-x', deb, 'root'], { cwd: work });
  }
  for (const [name, label] of Object.entries(labels)) {
    const target = join(folder, name);
    mkdirSync(dirname(target), { recursive: true });
    const source = join(work, 'root', label.source.split(':')[1]!);
    if (source.endsWith('face.dat')) {
      // scipy's raccoon: 1024x768 RGB, bzip2-compressed raw pixels.
      const pixels = execFileSync('bzip2', ['-dc', source], { maxBuffer: 16 * 1024 * 1024 });
      writeFileSync(target, await sharp(pixels, { raw: { width: 1024, height: 768, channels: 3 } }).png().toBuffer());
    } else {
      copyFileSync(source, target);
    }
  }
  writeFileSync(join(folder, 'labels.json'), JSON.stringify(labels, null, 2));
  console.log(`${Object.keys(labels).length} photos in ${folder}; now: npm run eval -- --folder ${folder}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
