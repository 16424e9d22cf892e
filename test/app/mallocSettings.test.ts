import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startupWarnings } from '../../src/app/config.ts';
import { mallocSettings } from '../../src/app/mallocSettings.ts';

const repoFile = (name: string) => readFileSync(new URL(`../../${name}`, import.meta.url), 'utf8');

describe('the glibc malloc settings', () => {
  const settings = Object.entries(mallocSettings).map(([name, value]) => `${name}=${value}`);

  it('are set by npm start, npm run encoder and the Docker image', () => {
    const { scripts } = JSON.parse(repoFile('package.json')) as { scripts: Record<string, string> };
    const dockerfile = repoFile('Dockerfile');
    for (const setting of settings) {
      expect(scripts.start).toContain(setting);
      expect(scripts.encoder).toContain(setting);
      expect(dockerfile).toContain(setting);
    }
  });

  it('are asked for at start when missing, and not when set', () => {
    expect(startupWarnings({})).toEqual([expect.stringContaining(settings.join(' '))]);
    expect(startupWarnings({ ...mallocSettings })).toEqual([]);
  });
});
