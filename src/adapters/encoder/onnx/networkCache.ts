import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How to make one ONNX network, and every file whose bytes decide what it is. */
export interface NetworkSource {
  readonly name: string;
  /** Weight files and the converter's own source files: a change to any is a new network. */
  readonly inputs: readonly (string | URL)[];
  build(): Uint8Array;
}

/**
 * The ONNX bytes of a network, converted once and kept in `cacheFolder` as
 * `<name>-<hash of its inputs>.onnx`, so new weights or a changed converter are never
 * served stale files. Without a writable cache the network is converted in memory
 * (a fraction of a second) and `onCacheFailure` says why.
 */
export function networkBytes(source: NetworkSource, cacheFolder: string, onCacheFailure: (error: unknown) => void): Uint8Array {
  const file = join(cacheFolder, `${source.name}-${inputsHash(source)}.onnx`);
  try {
    return readFileSync(file);
  } catch {
    // Not converted yet: convert below.
  }
  const bytes = source.build();
  try {
    mkdirSync(cacheFolder, { recursive: true });
    // Renaming is atomic: another thread or process converting at the same moment
    // writes the same bytes, and a reader never sees half a file.
    const partial = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.partial`;
    writeFileSync(partial, bytes);
    renameSync(partial, file);
    removeOtherVersions(cacheFolder, source.name, file);
  } catch (error) {
    onCacheFailure(error);
  }
  return bytes;
}

function inputsHash(source: NetworkSource): string {
  const hash = createHash('sha256');
  for (const input of source.inputs) hash.update(String(input)).update(readFileSync(input));
  return hash.digest('hex').slice(0, 16);
}

/** Files of this network made from older inputs are never read again. */
function removeOtherVersions(cacheFolder: string, name: string, keep: string): void {
  for (const entry of readdirSync(cacheFolder)) {
    const path = join(cacheFolder, entry);
    if (path !== keep && isVersionOf(name, entry)) rmSync(path, { force: true });
  }
}

/** `<name>-<16 hex digits>.onnx` exactly, so `human-face` never takes `human-face-mesh`'s files. */
function isVersionOf(name: string, entry: string): boolean {
  return entry.startsWith(`${name}-`) && /^[0-9a-f]{16}\.onnx$/.test(entry.slice(name.length + 1));
}
