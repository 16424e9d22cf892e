/**
 * glibc malloc settings the service should start with. They must be in the environment
 * before the process starts (glibc reads them once), so `npm start`, `npm run encoder`
 * and the Docker image set them. Without the first two, memory that the decoder of a
 * large photo or onnxruntime's start-up freed stays in the process: measured, RSS
 * settles ~120 MB higher. Blocks from 4 MiB come from mmap and go back to the system
 * when freed; smaller ones are reused from the heap: onnxruntime's kernels take 0.1-1.3
 * MB of scratch a run (GridSample, cutting each face's chip), and fresh pages for each
 * at a 64 KiB threshold halved the engine's throughput. Fresh blocks cost the kernel a
 * page fault per 4 KB, a third of decoding a 24-megapixel progressive JPEG (its 72 MB
 * of coefficients): with transparent huge pages (glibc 2.35 and later asks for them on
 * `madvise` kernels) that decode takes a third less time.
 */
export const mallocSettings: Readonly<Record<string, string>> = {
  MALLOC_TRIM_THRESHOLD_: '0',
  MALLOC_MMAP_THRESHOLD_: '4194304',
  GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
};

/** The settings `env` lacks, to warn about at start. */
export function missingMallocSettings(env: Record<string, string | undefined>): string[] {
  return Object.entries(mallocSettings)
    .filter(([name, value]) => env[name] !== value)
    .map(([name, value]) => `${name}=${value}`);
}
