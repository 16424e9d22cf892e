import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const committed = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** The seed's photos live beside the repo (CI always has them); they are not committed. */
export const seedImagesDir = fileURLToPath(new URL('../../../shared/fixtures/seed-images/', import.meta.url));
export const hasSeedImages = existsSync(seedImagesDir);
if (!hasSeedImages) {
  console.warn(`SKIPPING seed-photo tests: ${seedImagesDir} is not there (CI always has it).`);
}

export function fixture(name: string): Buffer {
  return readFileSync(committed + name);
}

export function seedImage(name: string): Buffer {
  return readFileSync(seedImagesDir + name);
}
