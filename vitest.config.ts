import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every answer of an app the tests start is checked against its OpenAPI document.
    setupFiles: ['test/support/failOnUndocumentedAnswers.ts'],
    // The face model takes seconds to load per worker and the machine has 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // Every service a test starts, in process or spawned, gets this sealing secret rather
    // than creating ./secrets/seal.key in the working tree; tests of the file unset it.
    env: { SEAL_SECRET: 'dGVzdHMgb25seTogYSBzZWFsaW5nIHNlY3JldCBvZiAzMiBieXRlcyE=' },
  },
});
