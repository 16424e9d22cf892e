import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientTypes, defaultDocument, generatedFiles } from '../../tools/client-generator/generate.ts';

const STALE = 'stale: run `npm run openapi` and commit docs/openapi.json and src/client/openapi.ts';

describe('the committed API document and client types', () => {
  it('docs/openapi.json is the document the code serves with the default configuration', () => {
    expect(readFileSync(generatedFiles.document, 'utf8'), STALE).toBe(defaultDocument());
  });

  it('src/client/openapi.ts is what openapi-typescript makes of it', async () => {
    const document = readFileSync(generatedFiles.document, 'utf8');
    expect(readFileSync(generatedFiles.types, 'utf8'), STALE).toBe(await clientTypes(document));
  });
});
