import { defineConfig, globalIgnores } from 'eslint/config';
import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The layers (docs/architecture.md): components, and the client files of app/, render what
    // pages and actions give them and never reach the database. A type from db/schema is fine (it
    // is erased); a value is not. The data reaches them through lib/ and a page or server action.
    files: ['components/**/*.{ts,tsx}', 'app/error.tsx', 'app/global-error.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@/db', '@/db/*', '**/db', '**/db/*'],
              allowTypeImports: true,
              message: 'Components cannot reach the database: a page or server action loads the data through lib/ and passes it in (docs/architecture.md).',
            },
          ],
          paths: [
            { name: 'drizzle-orm', allowTypeImports: true, message: 'Components cannot reach the database (docs/architecture.md).' },
            { name: 'postgres', allowTypeImports: true, message: 'Components cannot reach the database (docs/architecture.md).' },
          ],
        },
      ],
    },
  },
  globalIgnores(['.next/**', '.data/**', 'node_modules/**', 'next-env.d.ts', 'test-results/**', 'playwright-report/**']),
]);
