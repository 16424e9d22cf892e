import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNetwork, type NetworkName } from './faceApiGraphs.ts';

/** Where face-api keeps the weights it ships: the one source of every network. */
export const faceApiModelFolder = fileURLToPath(new URL('./model/', import.meta.resolve('@vladmandic/face-api/package.json')));

/** The converter's own sources: a change to any of them is a change to the networks. */
const converterSources = ['faceApiGraphs.ts', 'OnnxGraph.ts', 'tfjsWeights.ts'].map((name) => new URL(`./${name}`, import.meta.url));

/**
 * The ONNX bytes of one network, converted from face-api's weights once and kept in
 * `cacheFolder` under a name that hashes the weights and the converter, so a new
 * face-api or converter is never served stale files. Without a writable cache the
 * network is converted in memory (a few hundred ms per start) and `onCacheFailure`
 * says why.
 */
export function networkBytes(name: NetworkName, cacheFolder: string, onCacheFailure: (error: unknown) => void): Uint8Array {
  const folder = join(cacheFolder, `face-api-onnx-${conversionKey()}`);
  const file = join(folder, `${name}.onnx`);
  try {
    return readFileSync(file);
  } catch {
    // Not converted yet: convert below.
  }
  const bytes = buildNetwork(name, faceApiModelFolder);
  try {
    mkdirSync(folder, { recursive: true });
    // Renaming is atomic: another thread or process converting at the same moment
    // writes the same bytes, and a reader never sees half a file.
    const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
    writeFileSync(partial, bytes);
    renameSync(partial, file);
  } catch (error) {
    onCacheFailure(error);
  }
  return bytes;
}

let key: string | undefined;

function conversionKey(): string {
  if (key) return key;
  const hash = createHash('sha256');
  for (const source of converterSources) hash.update(readFileSync(source));
  for (const file of readdirSync(faceApiModelFolder).sort()) hash.update(file).update(readFileSync(join(faceApiModelFolder, file)));
  key = hash.digest('hex').slice(0, 16);
  return key;
}
