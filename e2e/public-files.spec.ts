import { expect, test } from '@playwright/test';
import { signInToPortal } from './helpers';

test('robots.txt keeps the private portal out of search engines', async ({ request }) => {
  const response = await request.get('/robots.txt');
  expect(response.status()).toBe(200);
  const text = await response.text();
  expect(text).toMatch(/^User-agent: \*$/m);
  expect(text).toMatch(/^Disallow: \/$/m);
});

test('security.txt names a contact and an expiry less than a year ahead (RFC 9116)', async ({ request, baseURL }) => {
  const response = await request.get('/.well-known/security.txt');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toContain('text/plain');
  const text = await response.text();
  expect(text).toContain(`Contact: mailto:security@${new URL(baseURL ?? '').hostname}\n`);
  expect(text).toContain(`Canonical: ${baseURL}/.well-known/security.txt`);
  const expires = new Date(/^Expires: (.+)$/m.exec(text)?.[1] ?? '');
  const days = (expires.getTime() - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(100);
  expect(days).toBeLessThan(366);
});

test('the web app manifest and every icon it names are served', async ({ page, request }) => {
  await page.goto('/login');
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBe('/manifest.webmanifest');
  const manifest = await (await request.get('/manifest.webmanifest')).json();
  expect(manifest).toMatchObject({ name: 'Sealpost', start_url: '/', display: 'standalone' });
  for (const icon of manifest.icons as { src: string; type: string }[]) {
    const response = await request.get(icon.src);
    expect(response.status(), icon.src).toBe(200);
    expect(response.headers()['content-type'], icon.src).toContain(icon.type);
  }
  expect((await request.get('/apple-touch-icon.png')).status()).toBe(200);
});

test('/secure opens the sign-in page when signed out and the inbox when signed in', async ({ page }) => {
  await page.goto('/secure');
  await expect(page).toHaveURL(/\/secure\/login/);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await signInToPortal(page, 'pat@partner.example');
  await page.goto('/secure');
  await expect(page).toHaveURL(/\/secure\/inbox$/);
});
