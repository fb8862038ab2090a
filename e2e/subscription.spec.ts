import { expect, test } from '@playwright/test';
import postgres from 'postgres';
import { expectAccessible, signIn, signInToPortal } from './helpers';

// Moves Globex's (and briefly Acme's) renewal date into the past; restored afterwards.
test.describe.configure({ mode: 'serial' });

const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1, onnotice: () => {} });
let saved: { org_id: string; term_start: string; renewal_date: string }[] = [];

const day = (daysFromToday: number) => new Date(Date.now() + daysFromToday * 86_400_000).toISOString().slice(0, 10);

/** The organisation's renewal date `daysAgo` days before today (UTC, as the server counts). */
async function lapse(domain: string, daysAgo: number) {
  await sql`
    update subscriptions s set renewal_date = ${day(-daysAgo)}::date, term_start = ${day(-daysAgo - 365)}::date
    from domains d where d.org_id = s.org_id and d.domain = ${domain}`;
}

test.beforeAll(async () => {
  saved = await sql`
    select s.org_id, s.term_start::text, s.renewal_date::text from subscriptions s join domains d on d.org_id = s.org_id
    where d.domain in ('globex.example', 'acme.example')`;
});

test.afterAll(async () => {
  for (const row of saved) await sql`update subscriptions set term_start = ${row.term_start}::date, renewal_date = ${row.renewal_date}::date where org_id = ${row.org_id}`;
  await sql.end();
});

test('an expired subscription keeps working but refuses more licenses, and says so on the dashboard and across the shell', async ({ page }) => {
  await lapse('globex.example', 3);
  await signIn(page, 'owner@globex.example');
  await expect(page).toHaveURL(/\/dashboard$/);
  const renewal = page.locator('main p').filter({ hasText: 'Subscription:' });
  await expect(renewal.getByText('Expired', { exact: true })).toBeVisible();
  await expect(renewal.getByText(/^Expired 3 days ago — renew before \d{1,2} \w{3} \d{4} to avoid losing access$/)).toBeVisible();
  const banner = page.getByRole('status').filter({ hasText: 'Subscription expired' });
  await expect(banner).toContainText(/Expired 3 days ago\. Renew before \d{1,2} \w{3} \d{4} to keep full access; buying more licenses waits for the renewal\./);
  await expect(banner.getByRole('link', { name: 'Renew now' })).toHaveAttribute('href', '/renewals');
  await expectAccessible(page);

  // Globex has 6 of 10 licenses in use: 5 more addresses need a license, which waits for the renewal.
  await page.goto('/licensed-emails');
  await expect(page.getByRole('status').filter({ hasText: 'Subscription expired' })).toBeVisible();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add licensed email addresses' });
  await dialog.getByRole('tab', { name: 'CSV' }).click();
  const csv = `"Email"\n${['e1', 'e2', 'e3', 'e4', 'e5'].map((u) => `"${u}.lapsed@globex.example"`).join('\n')}\n`;
  await dialog.getByLabel('CSV file').setInputFiles({ name: 'five.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await dialog.getByRole('button', { name: 'Upload' }).click();
  await expect(dialog.getByText('You need 1 more license')).toBeVisible();
  await expect(dialog.getByRole('link', { name: 'Renew first' })).toHaveAttribute('href', '/renewals');
  await expect(dialog.getByRole('button', { name: 'Buy licenses' })).toHaveCount(0);
  await expectAccessible(page);
});

test('a disabled subscription is read-only until renewed; renewing by check makes it active again', async ({ page }) => {
  await lapse('globex.example', 40);
  await signIn(page, 'owner@globex.example');
  const renewal = page.locator('main p').filter({ hasText: 'Subscription:' });
  await expect(renewal.getByText('Disabled', { exact: true })).toBeVisible();
  await expect(renewal.getByText(/^Read-only since \d{1,2} \w{3} \d{4} — renew to restore access$/)).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Subscription disabled' })).toContainText(
    /Disabled since \d{1,2} \w{3} \d{4} \(expired \d{1,2} \w{3} \d{4}\)\. Read-only until you renew: no new licensed addresses or purchases/,
  );
  await expectAccessible(page);

  await page.goto('/licensed-emails');
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Edit / })).toHaveCount(0);
  // Taking an address out of use never waits on a payment.
  await expect(page.getByRole('button', { name: /^Remove / }).first()).toBeVisible();

  await page.goto('/renewals');
  await expect(page.getByText(/Paying extends the term by one year from/)).toBeVisible();
  await page.getByRole('button', { name: 'Renew now' }).click();
  await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
  await page.getByLabel('Check (mail payment)').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/check$/);
  const popup = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Confirm & print' }).click();
  await (await popup).close();
  await expect(page).toHaveURL(/\/renewals\?invoice=/);
  await expect(page.getByText(/Renewed — invoice \d+/)).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /Subscription (expired|disabled)/ })).toHaveCount(0);

  await page.goto('/dashboard');
  await expect(page.locator('main p').filter({ hasText: 'Subscription:' }).getByText('Active', { exact: true })).toBeVisible();
  await page.goto('/licensed-emails');
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toBeVisible();
});

test("a disabled organisation's internal users read their messages but are told sending is paused", async ({ page }) => {
  await lapse('acme.example', 40);
  await signInToPortal(page, 'alice@acme.example');
  await expect(page).toHaveURL(/\/secure\/inbox$/);
  await page.goto('/secure/compose');
  await expect(page.getByRole('status').filter({ hasText: 'Sending is paused' })).toContainText(
    "Sending secure messages is paused: your organisation's Sealpost subscription expired on",
  );
  await expect(page.getByLabel('Subject')).toHaveCount(0);
  await expectAccessible(page);
});
