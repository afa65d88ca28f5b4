import { defineConfig } from 'vitest/config';

// Four projects, from fast to slow. Unit specs sit beside the code; integration and end-to-end
// tests live in test/ and use the real PostgreSQL, Redis and Kafka of the native stack, which
// `npm test` (scripts/test.sh) starts once per run. Each suite isolates itself with its own
// databases and a random topic prefix, so suites never see each other's messages.
export default defineConfig({
  // Specs that build a Nest app in-process need TypeScript's legacy decorators, parameter
  // decorators (@Inject) included, as tsc compiles them for the services.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.spec.ts',
            'services/*/src/**/*.spec.ts',
            'scripts/**/*.spec.ts',
            'bench/**/*.test.ts',
            'test/lint/**/*.test.ts',
            'test/guards/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Each e2e file runs five service processes; on a 2-core machine one file at a time.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'chart',
          include: ['test/chart/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
