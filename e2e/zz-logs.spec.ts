import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD, enterEmailAndPassword, signIn } from './helpers';
import { E2E_LOG_FILE, E2E_METRICS_TOKEN } from './run-files';

/**
 * Logs and metrics of the server under test. Named to run last: the log check reads every line
 * the server wrote during the whole browser-test run, in which every spec signed in with the demo
 * password, opened tokens' links and sent messages.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('/api/metrics answers Prometheus text with the bearer token only', async ({ request }) => {
  expect((await request.get('/api/metrics')).status()).toBe(401);
  expect((await request.get('/api/metrics', { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status()).toBe(401);
  const response = await request.get('/api/metrics', { headers: { Authorization: `Bearer ${E2E_METRICS_TOKEN}` } });
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('text/plain');
  const text = await response.text();
  expect(text).toMatch(/^sealpost_http_requests_total\{method="GET",route="\/login",status="200"\} \d+/m);
  expect(text).toContain('sealpost_http_request_duration_seconds_bucket');
  expect(text).toContain("# TYPE sealpost_outbox_messages gauge");
  expect(text).toContain('# TYPE sealpost_jobs_in_queue gauge');
  expect(text).toMatch(/^sealpost_database_up 1$/m);
  expect(text).toContain('sealpost_process_resident_memory_bytes');
});

test('every response names its request id, and the id a client sends is not taken', async ({ request }) => {
  const response = await request.get('/api/health', { headers: { 'X-Request-Id': 'client-chosen-id' } });
  expect(response.headers()['x-request-id']).toMatch(UUID);
});

test("a run's logs are JSON lines with request ids, and hold no password, token or secret", async ({ page, request }) => {
  const canaries = {
    password: 'Canary-Passw0rd-7f3e!',
    token: 'CanaryToken7f3eQ2kLm9PqR4sT6uVw8yA1bC3dE5fG',
    bearer: 'sp_live_canary7f3e0123456789abcdef',
    recipient: 'canary.recipient.7f3e@partner.example',
  };
  // A wrong password, a made-up reset link, an API call with a made-up key and an address.
  await page.goto('/login');
  await enterEmailAndPassword(page, 'owner@acme.example', canaries.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.locator('form [role="status"]').first()).toBeVisible();
  await request.get(`/reset-password/${canaries.token}`);
  await request.post('/api/delivery-events', {
    headers: { Authorization: `Bearer ${canaries.bearer}`, 'Content-Type': 'application/json' },
    data: JSON.stringify([{ recipient: canaries.recipient, sender: 'a@acme.example', event: 'delivered', method: 'tls', messageId: '<x@y>', occurredAt: new Date().toISOString() }]),
  });
  await request.get('/api/metrics', { headers: { Authorization: `Bearer ${canaries.bearer}` } });
  // A signed-in administrator's request names the organisation and account.
  await signIn(page, 'owner@acme.example');
  await expect(page).toHaveURL(/\/dashboard$/);
  const exported = await page.request.get('/events/export');
  expect(exported.status()).toBe(200);
  const exportRequestId = exported.headers()['x-request-id'];

  await expect.poll(() => fs.existsSync(E2E_LOG_FILE) && fs.readFileSync(E2E_LOG_FILE, 'utf8').includes(exportRequestId), { timeout: 10_000 }).toBe(true);
  const text = fs.readFileSync(E2E_LOG_FILE, 'utf8');
  const lines = text.split('\n').filter(Boolean);
  expect(lines.length).toBeGreaterThan(5);
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const secret of [DEMO_PASSWORD, ...Object.values(canaries)]) expect(text, `the logs contain ${secret}`).not.toContain(secret);
  const requests = records.filter((r) => r.msg === 'request');
  expect(requests.length).toBeGreaterThan(5);
  for (const r of requests) {
    expect(r.reqId).toMatch(UUID);
    expect(typeof r.durationMs).toBe('number');
  }
  const exportLine = requests.find((r) => r.reqId === exportRequestId);
  expect(exportLine).toMatchObject({ route: '/events/export', status: '200', method: 'GET' });
  expect(exportLine?.orgId).toMatch(UUID);
  expect(exportLine?.accountId).toMatch(UUID);
  // Paths with tokens are logged by their shape only.
  expect(requests.some((r) => r.route === '/reset-password/[id]')).toBe(true);
});
