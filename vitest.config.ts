import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['test/setup/global.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
