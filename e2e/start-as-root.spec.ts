import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD, enterEmailAndPassword } from './helpers';

/**
 * A new user as root, with the project cloned inside a folder nobody else may enter (root's home
 * is 0700 in most containers): `npm start` must come up on its embedded PostgreSQL — which runs
 * as the OS user "postgres" — and an administrator must be able to sign in. The project is copied
 * with hard links (the build included, so nothing is rebuilt) under a fresh 0700 folder and
 * started without DATABASE_URL, exactly as the Quick start does.
 */
test.skip(process.getuid?.() !== 0, 'Only root runs the embedded PostgreSQL as another OS user');

const root = path.resolve(import.meta.dirname, '..');
const SKIP = new Set(['.git', '.data', 'test-results', 'playwright-report', 'reports']);

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.pid === undefined) return resolve();
    const force = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    process.kill(-child.pid, 'SIGTERM');
  });
}

test('npm start as root inside a 0700 folder: the embedded PostgreSQL starts and an administrator signs in', async ({ page }) => {
  test.setTimeout(300_000);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-home-'));
  fs.chmodSync(home, 0o700);
  const project = path.join(home, 'sealpost');
  fs.mkdirSync(project);
  for (const entry of fs.readdirSync(root)) {
    if (SKIP.has(entry)) continue;
    const copied = spawnSync('cp', ['-al', path.join(root, entry), project], { encoding: 'utf8' });
    expect(copied.status, copied.stderr).toBe(0);
  }
  const port = Number(process.env.E2E_PORT ?? 3100) + 57;
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1' };
  for (const name of ['DATABASE_URL', 'E2E_DATABASE_URL', 'SEALPOST_DEMO', 'SEALPOST_DATA_DIR', 'AUTH_SECRET', 'APP_URL']) delete env[name];
  let output = '';
  const child = spawn('npx', ['tsx', 'scripts/start.ts', 'start'], { cwd: project, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await expect
      .poll(
        async () => {
          if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
          return fetch(`http://127.0.0.1:${port}/api/health`).then(
            (r) => r.status,
            () => 0,
          );
        },
        { timeout: 240_000, intervals: [1000] },
      )
      .toBe(200);
    expect(output).not.toContain('EACCES');
    expect(output).toContain('its data is kept in /var/lib/sealpost/data/');

    await page.goto(`http://127.0.0.1:${port}/login`);
    await enterEmailAndPassword(page, 'owner@acme.example', DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/dashboard/, { timeout: 30_000 });
    await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  } finally {
    await stop(child);
    const moved = /its data is kept in (\/var\/lib\/sealpost\/data\/[^/\s]+)\//.exec(output)?.[1];
    if (moved) fs.rmSync(moved, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  }
});
