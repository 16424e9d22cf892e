// glibc reads these once, at start, so `npm start`, `npm run encoder` and the Docker image set them; why each, measured: docs/face-engine.md, "Memory".
export const mallocSettings: Readonly<Record<string, string>> = {
  MALLOC_TRIM_THRESHOLD_: '0',
  MALLOC_MMAP_THRESHOLD_: '2097152',
  MALLOC_ARENA_MAX: '2',
  GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
};

export function missingMallocSettings(env: Record<string, string | undefined>): string[] {
  return Object.entries(mallocSettings)
    .filter(([name, value]) => env[name] !== value)
    .map(([name, value]) => `${name}=${value}`);
}
