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
  },
});
