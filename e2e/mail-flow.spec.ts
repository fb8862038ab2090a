import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import nodemailer from 'nodemailer';
import { expectAccessible, signIn, signInToPortal, DEMO_PASSWORD } from './helpers';

/** As playwright.config.ts starts the gateway: SMTP_PORT, or the web port + 100. */
const smtpPort = Number(process.env.SMTP_PORT ?? Number(process.env.E2E_PORT ?? 3100) + 100);

test('mail from the organisation’s server through the demo connector becomes a secure message in the recipient’s portal and on /secure-messages', async ({ page }) => {
  // Demo mode made a self-signed pair once; this client trusts exactly that certificate.
  const cert = fs.readFileSync(path.resolve(process.env.SEALPOST_DATA_DIR ?? '.data', 'smtp-tls', 'cert.pem'));
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, requireTLS: true, auth: { user: 'acme-relay', pass: DEMO_PASSWORD }, tls: { ca: cert, servername: 'localhost' } });
  const subject = `[secure] Gateway results ${Date.now()}`;
  const info = await transport.sendMail({ from: 'alice@acme.example', to: 'pat@partner.example', subject, html: '<p>Your results are <b>ready</b>.</p>' });
  expect(info.response).toMatch(/^250 2\.0\.0 Accepted as/);

  await signIn(page, 'owner@acme.example');
  await expect(async () => {
    await page.goto(`/secure-messages?q=${encodeURIComponent(subject)}`);
    await expect(page.getByRole('row').filter({ hasText: subject })).toContainText('Secure delivery on request', { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByRole('row').filter({ hasText: subject })).toContainText('Acme Exchange relay');

  await page.goto('/settings/mail-flow');
  await expect(page.getByRole('table', { name: 'Recent messages through the gateway' })).toContainText('pat@partner.example: Secure message — Delivered to the portal');

  const portal = await page.context().browser()?.newPage();
  if (!portal) throw new Error('no browser');
  await signInToPortal(portal, 'pat@partner.example');
  await portal.goto('/secure/inbox');
  await expect(portal.getByText(subject)).toBeVisible();
  // Pat reads it: the HTML body arrives, sanitised like composed mail.
  await portal.getByRole('list', { name: 'Inbox' }).getByRole('link', { name: new RegExp(subject.replace(/[[\]]/g, '\\$&')) }).click();
  await expect(portal.getByRole('heading', { level: 1 })).toHaveText(subject);
  await expect(portal.frameLocator('iframe[title="Message body"]').getByText('ready')).toBeVisible();
  await portal.close();
});

test('plain mail through the demo connector lands in the outbox, delivered, and counts on the dashboard', async ({ page }) => {
  const cert = fs.readFileSync(path.resolve(process.env.SEALPOST_DATA_DIR ?? '.data', 'smtp-tls', 'cert.pem'));
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, requireTLS: true, auth: { user: 'acme-relay', pass: DEMO_PASSWORD }, tls: { ca: cert, servername: 'localhost' } });
  const stamp = Date.now();
  const to = `friend-${stamp}@partner.example`;
  // Not a licensed address: no secure processing, plain SMTP delivery (the outbox in demo mode).
  const info = await transport.sendMail({ from: 'printer@acme.example', to, subject: `Scanned document ${stamp}`, text: `Scan number ${stamp} attached below.` });
  expect(info.response).toMatch(/^250 2\.0\.0 Accepted as/);

  await expect(async () => {
    await page.goto('/dev/outbox');
    await expect(page.getByRole('listitem').filter({ hasText: `To: ${to}` }).first()).toContainText(`Scan number ${stamp}`, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });

  await signIn(page, 'owner@acme.example');
  await page.goto('/settings/mail-flow');
  await expect(page.getByRole('table', { name: 'Recent messages through the gateway' })).toContainText(`${to}: SMTP delivery — Delivered`);
  await page.goto('/dashboard');
  await expect(page.getByText('Mail flow, last 24 hours')).toBeVisible();
  await expect(page.getByRole('term').filter({ hasText: /^Delivered$/ })).toBeVisible();
  await expectAccessible(page);
});

test('a level 1 administrator adds a connector, sees its secret once, edits its IP ranges and deletes it', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/settings/mail-flow');
  await expect(page.getByRole('heading', { name: 'Mail flow', level: 1 })).toBeVisible();
  const connectors = page.getByRole('table', { name: 'Connectors' });
  await expect(connectors.getByRole('row').filter({ hasText: 'Acme Exchange relay' })).toContainText('acme-relay');
  await expectAccessible(page);

  const name = `E2E relay ${Date.now()}`;
  const user = `e2e-${Date.now()}`;
  await page.getByRole('button', { name: 'Add connector' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add connector' });
  await dialog.getByLabel('Name', { exact: true }).fill(name);
  await dialog.getByLabel('SMTP AUTH user name').fill(user);
  await dialog.getByLabel('Allowed IP ranges').fill('0.0.0.0/0');
  await dialog.getByRole('button', { name: 'Add connector' }).click();
  await expect(dialog).toContainText('too wide');
  await dialog.getByLabel('Allowed IP ranges').fill('192.0.2.0/24');
  await dialog.getByRole('button', { name: 'Add connector' }).click();

  const shown = page.getByRole('dialog', { name: `Connector “${name}” added` });
  await expect(shown).toContainText('will not be shown again');
  await expectAccessible(page);
  const secret = await shown.getByLabel('Secret (password)').inputValue();
  expect(secret).toMatch(/^smtp_[A-Za-z0-9_-]{43}$/);
  await shown.getByRole('button', { name: 'Done' }).click();
  const row = connectors.getByRole('row').filter({ hasText: name });
  await expect(row).toContainText('192.0.2.0/24');
  expect(await page.content()).not.toContain(secret);

  await page.getByRole('button', { name: `Edit IP ranges of ${name}` }).click();
  const edit = page.getByRole('dialog', { name: `IP ranges of ${name}` });
  await edit.getByLabel('Allowed IP ranges').fill('198.51.100.0/24\n2001:db8::/32');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText('2001:db8::/32');

  await page.getByRole('button', { name: `Delete ${name}` }).click();
  const confirm = page.getByRole('alertdialog', { name: `Delete ${name}?` });
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(confirm).toBeHidden();
  await expect(connectors.getByRole('row').filter({ hasText: name })).toHaveCount(0);

  await page.goto('/events?category=settings');
  await expect(page.getByText(`deleted the mail connector "${name}"`)).toBeVisible();
});

test('a level 2 administrator gets the forbidden page for mail flow', async ({ page }) => {
  await signIn(page, 'manager@acme.example');
  await page.goto('/settings/mail-flow');
  await expect(page.getByRole('heading', { name: 'You do not have access to this page' })).toBeVisible();
});
