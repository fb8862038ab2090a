import { expect, test } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

const events = (tag: string) => [
  { occurredAt: new Date().toISOString(), messageId: `<${tag}-1@mail.acme.example>`, sender: 'billing@acme.example', recipient: 'person@example.org', event: 'delivered', method: 'tls' },
  {
    occurredAt: new Date().toISOString(),
    messageId: `<${tag}-2@mail.acme.example>`,
    sender: 'billing@acme.example',
    recipient: 'gone@example.org',
    event: 'bounced',
    method: 'tls',
    smtpCode: 550,
    enhancedCode: '5.1.1',
    diagnostic: 'User unknown',
    bounceClass: 'hard',
  },
];

test('a level 1 administrator creates an API key, sees it once, sends events with it and revokes it', async ({ page, request }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/settings/api-keys');
  await expect(page.getByRole('heading', { name: 'API keys', level: 1 })).toBeVisible();
  await expect(page.getByText('curl -X POST').first()).toBeVisible();
  await expectAccessible(page);

  const name = `E2E sender ${Date.now()}`;
  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create API key' });
  await dialog.getByRole('button', { name: 'Create key' }).click();
  await expect(dialog.getByText('Enter a name.')).toBeVisible();
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Create key' }).click();

  const shown = page.getByRole('dialog', { name: 'Your new API key' });
  await expect(shown).toContainText('will not be shown again');
  await expect(shown.getByRole('button', { name: 'Copy' })).toBeVisible();
  await expectAccessible(page);
  const key = await shown.getByLabel(`API key “${name}”`).inputValue();
  expect(key).toMatch(/^sp_[A-Za-z0-9_-]{43}$/);
  await shown.getByRole('button', { name: 'Done' }).click();
  await expect(shown).toBeHidden();

  // Listed by its prefix only; the full key is nowhere on the page any more.
  const row = page.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText(`${key.slice(0, 11)}…`);
  await expect(row).toContainText('Active');
  expect(await page.content()).not.toContain(key);

  const tag = `api${Date.now()}`;
  const accepted = await request.post('/api/delivery-events', {
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    data: JSON.stringify(events(tag)),
  });
  expect(accepted.status()).toBe(202);
  expect(await accepted.json()).toMatchObject({ accepted: 2, rejected: [] });

  // The events are found by the search.
  await page.goto(`/delivery-events?q=${encodeURIComponent(tag)}`);
  await expect(page.getByRole('cell', { name: `<${tag}-2@mail.acme.example>`, exact: true }).first()).toBeVisible();
  await expect(page.getByRole('cell', { name: 'gone@example.org', exact: true }).first()).toBeVisible();
  await page.goto('/settings/api-keys');

  await page.reload();
  await expect(page.getByRole('row').filter({ hasText: name })).not.toContainText('Never');

  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  const confirm = page.getByRole('alertdialog', { name: `Revoke ${name}?` });
  await expect(confirm).toContainText('cannot be undone');
  await confirm.getByRole('button', { name: 'Revoke' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole('row').filter({ hasText: name })).toContainText('Revoked');

  const refused = await request.post('/api/delivery-events', {
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-ndjson' },
    data: events('after-revoke').map((e) => JSON.stringify(e)).join('\n'),
  });
  expect(refused.status()).toBe(401);
});

test('a level 2 administrator gets the forbidden page for API keys', async ({ page }) => {
  await signIn(page, 'manager@acme.example');
  await page.goto('/settings/api-keys');
  await expect(page.getByRole('heading', { name: 'You do not have access to this page' })).toBeVisible();
  await expectAccessible(page);
});
