import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The hexagon's one rule, checked on the source: the domain and the ports import nothing
// but each other and node's built-ins; configuration parsing imports no adapter, and one
// composition root builds them all; the
// networks ship ready, so the runtime needs no converter.
const src = fileURLToPath(new URL('../src/', import.meta.url));

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Where each import of a file leads: a path under src/, or the package or built-in it names. */
function importsOf(file: string, { valuesOnly = false } = {}): string[] {
  const text = readFileSync(file, 'utf8');
  const pattern = valuesOnly ? /^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm : /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm;
  return [...text.matchAll(pattern)].map(([, target]) => (target!.startsWith('.') ? relative(src, join(file, '..', target!)) : target!));
}

describe('the hexagon', () => {
  it.each(['domain', 'ports'])('src/%s imports only the domain, the ports and node: built-ins', (layer) => {
    const files = filesUnder(join(src, layer));
    expect(files.length).toBeGreaterThan(3);
    const outside = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => !target.startsWith('node:') && !target.startsWith('domain/') && !target.startsWith('ports/'))
        .map((target) => `${relative(src, file)} imports ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('src/app/config.ts parses and validates, and imports no adapter', () => {
    expect(importsOf(join(src, 'app/config.ts')).filter((target) => target.startsWith('adapters/'))).toEqual([]);
  });

  it('src/app/compose.ts builds every adapter: the rest of src/app takes what it built', () => {
    // What a process needs to listen, to talk to its primary, and to name why it cannot start.
    const plumbing = ['adapters/http/httpServer.ts', 'adapters/cluster/IpcPeer.ts', 'adapters/SealMismatchError.ts'];
    const building = filesUnder(join(src, 'app'))
      .filter((file) => !file.endsWith('/compose.ts'))
      .flatMap((file) =>
        importsOf(file, { valuesOnly: true })
          .filter((target) => target.startsWith('adapters/') && !plumbing.includes(target))
          .map((target) => `${relative(src, file)} imports ${target}`),
      );
    expect(building).toEqual([]);
  });

  it('the service converts no network: nothing in src/ imports the converter or what it reads', () => {
    const converting = filesUnder(src).flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith('../tools/') || ['@vladmandic/face-api', 'onnx-proto', 'protobufjs'].includes(target))
        .map((target) => `${relative(src, file)} imports ${target}`),
    );
    expect(converting).toEqual([]);
  });
});
