import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

/** The nonce of a policy's script-src. */
function nonceOf(csp: string | undefined): string | undefined {
  return /'nonce-([^']+)'/.exec(csp ?? '')?.[1];
}

/** The nonce attribute of every <script> in a page's HTML. */
function scriptNonces(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>/g)].map((tag) => /\snonce="([^"]*)"/.exec(tag[0])?.[1] ?? '(none)');
}

test('every page carries a Content-Security-Policy with a fresh nonce that all of its scripts carry', async ({ request }) => {
  const first = await request.get('/login');
  const second = await request.get('/login');
  const nonce = nonceOf(first.headers()['content-security-policy']);
  expect(nonce).toBeTruthy();
  expect(nonceOf(second.headers()['content-security-policy'])).not.toBe(nonce);
  expect(first.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  const nonces = scriptNonces(await first.text());
  expect(nonces.length).toBeGreaterThan(0);
  expect(new Set(nonces)).toEqual(new Set([nonce]));
});

test('a policy sent by the client is replaced, not obeyed', async ({ request }) => {
  const response = await request.get('/login', { headers: { 'content-security-policy': "script-src 'nonce-chosen-by-attacker'" } });
  const nonce = nonceOf(response.headers()['content-security-policy']);
  expect(nonce).toBeTruthy();
  expect(nonce).not.toBe('chosen-by-attacker');
  expect(new Set(scriptNonces(await response.text()))).toEqual(new Set([nonce]));
});

test('API routes get no page policy', async ({ request }) => {
  const health = await request.get('/api/health');
  expect(health.ok()).toBe(true);
  expect(health.headers()['content-security-policy']).toBeUndefined();
});

test('signed in, pages run under the policy without a single violation', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await signIn(page, 'owner@acme.example');
  await page.goto('/licensed-emails');
  // Client code runs: the Add dialog opens.
  await page.getByRole('button', { name: 'Add' }).click();
  await expect(page.getByRole('dialog')).toBeVisible();
  expect(violations).toEqual([]);
});

test('over plain http (APP_URL is http) there is no Strict-Transport-Security, and the session cookie is neither Secure nor __Secure-', async ({ page, request }) => {
  for (const path of ['/login', '/api/health', '/secure/login']) {
    expect((await request.get(path)).headers()['strict-transport-security'], path).toBeUndefined();
  }
  await signIn(page, 'owner@acme.example');
  const session = (await page.context().cookies()).filter((cookie) => cookie.name.includes('session-token'));
  expect(session.map((cookie) => cookie.name)).toEqual(['authjs.session-token']);
  expect(session[0].secure).toBe(false);
  expect(session[0].httpOnly).toBe(true);
});
