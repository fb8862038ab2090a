import { afterAll, inject } from 'vitest';
import { closeDb } from '@/db/client';
import { stopBoss } from '@/lib/jobs/runtime';
import { resetEnvCache } from '@/lib/env';

process.env.DATABASE_URL = inject('databaseUrl');
process.env.APP_URL = 'http://sealpost.test';
process.env.AUTH_SECRET ??= 'vitest-only-auth-secret-0123456789abcdef';
process.env.SEALPOST_MASTER_KEY ??= Buffer.alloc(32, 7).toString('base64');
resetEnvCache();

afterAll(async () => {
  await stopBoss();
  await closeDb();
});
