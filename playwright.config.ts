import fs from 'node:fs';
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';
import { E2E_LOG_FILE, E2E_METRICS_TOKEN } from './e2e/run-files';

const port = Number(process.env.E2E_PORT ?? 3100);
/**
 * `localhost`, not 127.0.0.1: browsers refuse WebAuthn (passkeys) on an IP address, and APP_URL's
 * host is the passkeys' relying party. The server still listens on 127.0.0.1 (HOST below), which
 * localhost resolves to.
 */
const baseURL = `http://localhost:${port}`;
/** SMTP_PORT, or the web port + 100 (3100 → 3200). */
const smtpPort = Number(process.env.SMTP_PORT ?? port + 100);

// Evaluated first in the main process; workers inherit the variable and skip this.
if (!process.env.E2E_DATABASE_URL) {
  const { prepareE2eDatabase } = await import('./e2e/database');
  process.env.E2E_DATABASE_URL = await prepareE2eDatabase();
  fs.mkdirSync(path.dirname(E2E_LOG_FILE), { recursive: true });
  fs.rmSync(E2E_LOG_FILE, { force: true });
}

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['json', { outputFile: 'reports/playwright.json' }], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  globalTeardown: './e2e/global-teardown.ts',
  outputDir: 'test-results',
  use: {
    baseURL,
    // Times in the portal follow the browser's zone for a new user: fixed, whatever the machine's.
    timezoneId: 'UTC',
    screenshot: 'on',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
          args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        },
      },
    },
  ],
  webServer: {
    command: 'npx tsx scripts/start.ts start',
    url: `http://127.0.0.1:${port}/api/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    // Its log lines go to E2E_LOG_FILE (reports/e2e-server.log), read by e2e/zz-logs.spec.ts; here they would bury the test report.
    stdout: 'ignore',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    env: {
      DATABASE_URL: process.env.E2E_DATABASE_URL,
      SEALPOST_DEMO: '1',
      PORT: String(port),
      HOST: '127.0.0.1',
      // The SMTP gateway starts with the app: its own port, so parallel runs with other E2E_PORTs do not collide.
      SMTP_PORT: String(smtpPort),
      SMTP_HOST: '127.0.0.1',
      APP_URL: baseURL,
      AUTH_SECRET: 'e2e-only-secret-0123456789abcdef0123456789',
      LOG_FILE: E2E_LOG_FILE,
      METRICS_TOKEN: E2E_METRICS_TOKEN,
      NEXT_TELEMETRY_DISABLED: '1',
      // e2e/slow-clients.spec.ts waits for idle bodies to be closed; the default is 10 s.
      REQUEST_BODY_IDLE_TIMEOUT: '3',
    },
  },
});
