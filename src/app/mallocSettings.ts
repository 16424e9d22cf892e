/**
 * glibc malloc settings the service should start with. They must be in the environment
 * before the process starts (glibc reads them once), so `npm start`, `npm run encoder`
 * and the Docker image set them. Without the first two, memory that the decoder of a
 * large photo or onnxruntime's start-up freed stays in the process: measured, RSS
 * settles ~120 MB higher. Blocks from 2 MiB come from mmap and go back to the system
 * when freed; smaller ones are reused from the heap: onnxruntime's GridSample takes 0.5-1.3
 * MB of scratch each time it cuts a face's chip, and a fresh mapping for each (at the 64
 * KiB threshold used before) cost the engine a third of its throughput. Two arenas, not
 * one per thread, keep what the heap holds near what it held before (the engine alone:
 * ~325 MiB after loading, ~345-375 after rounds of fresh encodes; 4 MiB and an arena per
 * thread: ~375 and ~405-435). Fresh blocks cost the kernel a page fault per 4 KB, a third
 * of decoding a 24-megapixel progressive JPEG (its 72 MB of coefficients): with
 * transparent huge pages (glibc 2.35 and later asks for them on `madvise` kernels) that
 * decode takes a third less time.
 */
export const mallocSettings: Readonly<Record<string, string>> = {
  MALLOC_TRIM_THRESHOLD_: '0',
  MALLOC_MMAP_THRESHOLD_: '2097152',
  MALLOC_ARENA_MAX: '2',
  GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
};

/** The settings `env` lacks, to warn about at start. */
export function missingMallocSettings(env: Record<string, string | undefined>): string[] {
  return Object.entries(mallocSettings)
    .filter(([name, value]) => env[name] !== value)
    .map(([name, value]) => `${name}=${value}`);
}
