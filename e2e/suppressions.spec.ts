import fs from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { expect, test } from '@playwright/test';
import postgres from 'postgres';
import { hashToken } from '../lib/auth/tokens';
import { expectAccessible, signIn } from './helpers';

// /suppressions on the demo seed: a raw bounce sent to the ingest API puts its
// hard-bounced address on Acme's list; a manager adds and removes one by hand; level 3 reads.
test.describe.configure({ mode: 'serial' });

const tag = `sup${Date.now()}`;
const hardBounced = `${tag}-gone@partner.example`;
const byHand = `${tag}-by-hand@partner.example`;

function rawBounce(recipient: string): string {
  return [
    'From: MAILER-DAEMON@mx.partner.example (Mail Delivery System)',
    'To: notify@acme.example',
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: <${tag}-bounce@mx.partner.example>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'This is the mail system at host mx.partner.example.',
    '',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.partner.example',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    'Action: failed',
    'Status: 5.1.1 (bad destination mailbox)',
    `Diagnostic-Code: smtp; 550 5.1.1 <${recipient}>: Recipient address rejected: User unknown in virtual mailbox table`,
    '',
    '--B',
    'Content-Type: text/rfc822-headers',
    '',
    `Message-ID: <${tag}-original@mail.acme.example>`,
    'From: notify@acme.example',
    `To: ${recipient}`,
    'Subject: Your secure message',
    '',
    '--B--',
    '',
  ].join('\r\n');
}

test('a raw hard bounce sent to the API puts the address on the list, with its reason on /delivery-events', async ({ page, request }) => {
  // An API key of Acme's, written straight to the database (its page has its own spec).
  const key = `sp_${randomBytes(32).toString('base64url')}`;
  const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
  await sql`insert into api_keys (org_id, name, prefix, key_hash, created_by)
            select d.org_id, ${`E2E ${tag}`}, ${key.slice(0, 11)}, ${hashToken(key)}, 'e2e' from domains d where d.domain = 'acme.example'`;
  await sql.end();
  const response = await request.post('/api/delivery-events', { headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'message/rfc822' }, data: rawBounce(hardBounced) });
  expect(response.status()).toBe(202);
  expect(await response.json()).toMatchObject({ accepted: 1, kind: 'bounce', events: [{ recipient: hardBounced, event: 'bounced', reason: 'user_unknown', class: 'hard' }] });
  const unreadable = await request.post('/api/delivery-events', { headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'message/rfc822' }, data: 'From: someone@example.com\r\nSubject: hello\r\n\r\nNot a bounce.\r\n' });
  expect(unreadable.status()).toBe(202);
  expect(await unreadable.json()).toMatchObject({ accepted: 1, kind: 'unparsed' });

  await signIn(page, 'manager@acme.example');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Suppressions' }).click();
  await expect(page).toHaveURL(/\/suppressions$/);
  await expect(page.getByRole('heading', { name: 'Suppressions', level: 1 })).toBeVisible();
  const table = page.getByRole('table', { name: 'Suppressed addresses' });
  const row = table.getByRole('row').filter({ hasText: hardBounced });
  await expect(row).toContainText('Hard bounce');
  await expect(row).toContainText('User unknown');
  await expectAccessible(page);

  // The delivery log shows the reason in its own column and the plain-words detail.
  await page.goto(`/delivery-events?q=${encodeURIComponent(`reason:unknown AND to:${tag}`)}`);
  const events = page.getByRole('table', { name: /^Delivery events, by / });
  await expect(events.getByRole('columnheader', { name: 'Reason' })).toBeVisible();
  await expect(events.getByRole('row').filter({ hasText: hardBounced }).first()).toContainText('User unknown');
  await events.getByRole('button', { name: new RegExp(`^Details for .+ to ${hardBounced}$`) }).first().click();
  const detail = events.getByRole('region', { name: `Bounce diagnostics for ${hardBounced}` }).first();
  await expect(detail).toContainText('The address does not exist at the recipient’s domain.');
  await expect(detail).toContainText('No: this is a final failure');
  await expectAccessible(page);
  // The unreadable one is logged as an unparsed bounce.
  await page.goto(`/delivery-events?q=${encodeURIComponent('status:unparsed')}`);
  await expect(page.getByRole('table', { name: /^Delivery events, by / }).getByText('unparsed').first()).toBeVisible();
});

test('a manager adds an address by hand, finds it, exports the list and removes it', async ({ page }) => {
  await signIn(page, 'manager@acme.example');
  await page.goto('/suppressions');
  await page.getByRole('button', { name: 'Add address' }).click();
  const dialog = page.getByRole('dialog', { name: 'Suppress an address' });
  await dialog.getByLabel('Email address').fill('not an address');
  await dialog.getByRole('button', { name: 'Suppress' }).click();
  await expect(dialog.getByText('Enter a valid email address.')).toBeVisible();
  await expectAccessible(page);
  await dialog.getByLabel('Email address').fill(byHand);
  await dialog.getByLabel('Note').fill('=asked not to be written to');
  await dialog.getByRole('button', { name: 'Suppress' }).click();
  await expect(dialog).toBeHidden();
  const table = page.getByRole('table', { name: 'Suppressed addresses' });
  await expect(table.getByRole('row').filter({ hasText: byHand })).toContainText('Added by hand');

  // Search on part of the address.
  await page.getByRole('searchbox', { name: 'Search suppressions' }).fill(`${tag}-by`);
  await expect(page).toHaveURL(/[?&]q=/);
  await expect(table.getByRole('row')).toHaveCount(2);

  // The export is formula-safe: the note starting with "=" is neutralised.
  await page.goto('/suppressions');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^suppressions-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = (await fs.readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '');
  const [header, ...lines] = text.trim().split(/\r?\n/);
  expect(header).toBe('Address,Added (UTC),Cause,Reason,Detail,Delivery event,Added by');
  const line = lines.find((l) => l.startsWith(byHand));
  expect(line).toContain(",'=asked not to be written to,");
  expect(lines.some((l) => l.startsWith(hardBounced))).toBe(true);

  // Remove, after a confirmation.
  await page.getByRole('button', { name: `Remove ${byHand}` }).click();
  const confirm = page.getByRole('alertdialog', { name: `Remove ${byHand}?` });
  await expect(confirm).toContainText('sent to this address again');
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(confirm).toBeHidden();
  await expect(table.getByRole('cell', { name: byHand, exact: true })).toHaveCount(0);

  // The soft-bounce rule is validated and saved.
  await page.getByLabel('Soft bounces in a row').fill('0');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByText('At least 1.')).toBeVisible();
  await page.getByLabel('Soft bounces in a row').fill('5');
  await page.getByLabel('Within days').fill('7');
  await page.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByText('5 in a row within 7 days.').first()).toBeVisible();

  // Both changes are audit events.
  await page.goto('/events');
  await expect(page.getByText(`${byHand} removed from the suppression list`).first()).toBeVisible();
  await expect(page.getByText(`${byHand} added to the suppression list by hand`).first()).toBeVisible();
});

test('a level 3 administrator reads the list but cannot change it', async ({ page }) => {
  await signIn(page, 'viewer@acme.example');
  await page.goto('/suppressions');
  await expect(page.getByRole('heading', { name: 'Suppressions', level: 1 })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Suppressed addresses' }).getByRole('cell', { name: hardBounced, exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add address' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Remove / })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Save rule' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Export CSV' })).toBeVisible();
  await expectAccessible(page);
});
