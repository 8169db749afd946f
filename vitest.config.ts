import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/aws/**'] },
      },
      {
        // The AWS adapters against DynamoDB Local and moto, started once for this project.
        extends: true,
        test: { name: 'aws', include: ['test/aws/**/*.test.ts'], globalSetup: ['test/support/emulators.ts'] },
      },
    ],
  },
});
