import { defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `@regionkit/source`
// condition, so tests run against source without a build step.
const conditions = ['@regionkit/source', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
