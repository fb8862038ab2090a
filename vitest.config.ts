import path from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * `server-only` (imported by db/client.ts and the use cases) is Next's marker for modules that
 * must never reach a browser; Next resolves it itself. Here it is an empty module.
 */
const alias = { '@': import.meta.dirname, 'server-only': path.join(import.meta.dirname, 'node_modules/next/dist/compiled/server-only/empty.js') };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['lib/**/*.test.ts', 'components/**/*.test.ts'],
          exclude: ['**/*.db.test.ts'],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'db',
          include: ['db/**/*.db.test.ts', 'lib/**/*.db.test.ts', 'tests/**/*.db.test.ts'],
          environment: 'node',
          globalSetup: [path.join(import.meta.dirname, 'tests/global-setup.ts')],
          setupFiles: [path.join(import.meta.dirname, 'tests/setup-db-env.ts')],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One database for the run; files create their own organisations and run one at a time
          // so that pg-boss workers of one file never pick up another file's jobs.
          fileParallelism: false,
        },
      },
    ],
  },
});
