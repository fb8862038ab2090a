import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import postgres from 'postgres';
import { unzip } from '../tests/unzip';
import { choosePasswordOnInvitation, createOrganisationWithCli, expectAccessible, signIn } from './helpers';

/**
 * Issue #23 items 1–3, on an organisation of its own (the demo's Acme is counted by other specs):
 * buying licenses without addresses, receipts and invoices by email with their PDF, Pay now on an
 * open check invoice, the invoices list's filter and outstanding total, and the card form.
 */
// Several payments, PDF renders and a sign-in per test, on a shared machine.
test.describe.configure({ mode: 'serial', timeout: 240_000 });

const PASSWORD = 'Billing-Everyday-2026!';
const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1, onnotice: () => {} });
let org: { domain: string; email: string; orgId: string };

test.beforeAll(async ({ browser }) => {
  // The command line makes the organisation (a second Node process) on a shared machine.
  test.setTimeout(240_000);
  const created = createOrganisationWithCli();
  const [row] = await sql<{ id: string }[]>`select org_id as id from domains where domain = ${created.domain}`;
  // Paid from an address in the United States: its invoices are printed on Letter paper. Two-factor
  // enrolment is another spec's subject.
  await sql`update organisations set require_administrator_two_factor = false, address_line1 = '1 Main Street', city = 'Springfield', region = 'IL', postal_code = '62701', country = 'United States' where id = ${row.id}`;
  org = { domain: created.domain, email: created.email, orgId: row.id };
  const page = await browser.newPage();
  await page.goto(created.invitationPath);
  await choosePasswordOnInvitation(page, PASSWORD);
  await page.close();
});

test.afterAll(async () => {
  await sql.end();
});

type Mail = { id: string; kind: string; recipient: string; subject: string; status: string };

/** The organisation's receipt and invoice emails, newest first. */
async function billingMail(): Promise<Mail[]> {
  return sql<Mail[]>`
    select id, kind, recipient, subject, status from outbox_messages
    where org_id = ${org.orgId} and kind in ('payment_receipt', 'check_invoice') order by created_at desc, recipient`;
}

/** Waits for the message's PDF to be made and sent by the delivery job; returns its text and metadata. */
async function attachedPdf(messageId: string) {
  await expect
    .poll(async () => (await sql<{ status: string }[]>`select status from outbox_messages where id = ${messageId}`)[0]?.status, { timeout: 60_000 })
    .toBe('sent');
  const [row] = await sql<{ content: Buffer | null }[]>`select content from outbox_attachments where message_id = ${messageId}`;
  if (!row?.content) throw new Error('sent without its PDF');
  const file = path.join(os.tmpdir(), `mail-${messageId}.pdf`);
  fs.writeFileSync(file, row.content);
  return {
    text: execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }),
    info: execFileSync('pdfinfo', [file], { encoding: 'utf8' }),
  };
}

async function typeCard(page: Page) {
  // Pay now is enabled once the form has hydrated: keys pressed before it would be lost.
  await expect(page.getByRole('button', { name: 'Pay now' })).toBeEnabled();
  const number = page.getByLabel('Card number');
  await number.pressSequentially('4242424242424242');
  await expect(number).toHaveValue('4242 4242 4242 4242');
  const expiry = page.getByLabel('Expiry (MM/YY)');
  await expiry.pressSequentially('12');
  await expect(expiry).toHaveValue('12/');
  await expiry.press('Backspace');
  await expect(expiry).toHaveValue('12');
  await expiry.pressSequentially('34');
  await expect(expiry).toHaveValue('12/34');
  await page.getByLabel('Security code').pressSequentially('12x3');
  await expect(page.getByLabel('Security code')).toHaveValue('123');
}

test('Buy licenses from the dashboard, pay by card with the formatting card form, and get the receipt with its PDF', async ({ page }) => {
  await signIn(page, org.email, PASSWORD);
  await page.goto('/dashboard');
  await expect(page.getByText('Every license is in use.')).toBeVisible();
  await page.getByRole('button', { name: 'Buy licenses' }).click();
  await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await expect(page.getByRole('heading', { name: 'Buy licenses' })).toBeVisible();
  await page.getByLabel('Licenses', { exact: true }).fill('3');
  await expect(page.getByText('Priced for 3 licenses. The order is updated when you continue.')).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/card$/, { timeout: 30_000 });
  await expect(page.getByText(/3 licenses at \$30\.00 per year/)).toBeVisible();

  // The country is a list; the administrator has no address yet.
  const country = page.getByLabel('Country');
  await expect(country).toHaveValue('');
  await expect(country.locator('option', { hasText: 'Germany' })).toHaveCount(1);
  await country.selectOption({ label: 'United States' });
  await page.getByLabel('Address line 1').fill('1 Main Street');
  await page.getByLabel('City').fill('Springfield');
  await page.getByLabel('Postal code').fill('62701');
  await typeCard(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Pay now' }).click();
  await expect(page).toHaveURL(/\/licensed-emails\?invoice=/, { timeout: 30_000 });
  await expect(page.getByText(/Payment received — invoice \d+/)).toBeVisible();

  const [receipt] = await billingMail();
  expect(receipt).toMatchObject({ kind: 'payment_receipt', recipient: org.email });
  const number = /invoice (\d+)/.exec(receipt.subject)?.[1] ?? '';
  expect(receipt.subject).toMatch(new RegExp(`^Receipt for invoice ${number}: \\$\\d+\\.\\d{2} paid$`));
  const pdf = await attachedPdf(receipt.id);
  expect(pdf.text).toContain(number);
  expect(pdf.text).toContain('Visa ending 4242');
  expect(pdf.text).toContain('Service period');
  expect(pdf.text).toContain('United States');
  expect(pdf.info).toMatch(new RegExp(`Title:\\s+Invoice ${number}`));
  expect(pdf.info).toMatch(/Page size:\s+612 x 792 pts \(letter\)/);

  await page.goto('/dev/outbox');
  const message = page.getByRole('listitem').filter({ hasText: `Receipt for invoice ${number}` });
  await expect(message.getByRole('list', { name: 'Attachments' })).toContainText(`invoice-${number}.pdf`);
});

test('a check order emails its invoice to the payer and the billing email; Pay now settles it by card; the list filters and totals', async ({ page }) => {
  await signIn(page, org.email, PASSWORD);
  await page.goto('/settings/billing');
  await page.getByLabel('Billing email (optional)').fill('not an address');
  await page.getByRole('button', { name: 'Save billing email' }).click();
  await expect(page.getByText('Enter an email address, such as accounts@example.com, or leave it empty.')).toBeVisible();
  await page.getByLabel('Billing email (optional)').fill(`Accounts@${org.domain}`);
  await page.getByRole('button', { name: 'Save billing email' }).click();
  await expect(page.getByText(`Receipts and invoices will also go to accounts@${org.domain}`)).toBeVisible({ timeout: 30_000 });
  await expectAccessible(page);

  await page.goto('/licensed-emails');
  await page.getByRole('button', { name: 'Buy licenses' }).click();
  await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await page.getByLabel('Check (mail payment)').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/check$/, { timeout: 30_000 });
  const popup = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Confirm & print' }).click();
  const print = await popup;
  await print.waitForURL(/\/invoices\/[0-9a-f-]{36}\/print/);
  const invoiceUrl = new URL(print.url()).pathname.replace(/\/print$/, '');
  await print.close();
  await expect(page.getByText(/Licenses granted — invoice \d+ is due/)).toBeVisible({ timeout: 30_000 });

  const mail = await billingMail();
  const invoices = mail.filter((m) => m.kind === 'check_invoice');
  expect(invoices.map((m) => m.recipient).sort()).toEqual([`accounts@${org.domain}`, org.email].sort());
  const number = /^Invoice (\d+):/.exec(invoices[0].subject)?.[1] ?? '';
  const pdf = await attachedPdf(invoices[0].id);
  expect(pdf.text).toContain(number);
  expect(pdf.text).toContain('OPEN');

  // The list: what each was for, the filter, and what is outstanding.
  await page.goto('/invoices');
  await expect(page.getByRole('region', { name: 'Outstanding' })).toContainText(/\$\d+\.\d{2}/);
  await expect(page.getByRole('region', { name: 'Outstanding' })).toContainText('1 open invoice');
  const table = page.getByRole('table', { name: 'Invoices' });
  await expect(table.getByRole('row')).toHaveCount(3);
  await expect(table.getByRole('row').filter({ hasText: 'Visa ending 4242' })).toContainText('3 licenses added');
  await page.getByRole('navigation', { name: 'Filter invoices by status' }).getByRole('link', { name: 'Open' }).click();
  await expect(page).toHaveURL(/status=open/);
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table).toContainText(number);
  await page.getByRole('navigation', { name: 'Filter invoices by status' }).getByRole('link', { name: 'Void' }).click();
  await expect(page.getByText('No void invoices')).toBeVisible();
  await page.getByRole('navigation', { name: 'Filter invoices by status' }).getByRole('link', { name: 'All' }).click();
  await expect(table.getByRole('row')).toHaveCount(3);
  await expectAccessible(page);

  // The PDF link says it is working while the PDF is made.
  await page.goto(invoiceUrl);
  await page.route('**/invoices/*/pdf', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download PDF' }).click();
  await expect(page.getByText('Preparing PDF…')).toBeVisible();
  expect((await download).suggestedFilename()).toBe(`invoice-${number}.pdf`);
  await expect(page.getByText('Preparing PDF…')).toHaveCount(0);
  await page.unroute('**/invoices/*/pdf');

  // Pay now.
  await page.getByRole('link', { name: 'Pay now' }).click();
  await expect(page).toHaveURL(/\/invoices\/[0-9a-f-]{36}\/pay$/);
  await expect(page.getByRole('heading', { name: `Pay invoice ${number}` })).toBeVisible();
  await typeCard(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Pay now' }).click();
  await expect(page.getByText(`Payment received — invoice ${number} is paid`)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText('Check (Net 30), paid by Visa ending 4242')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Pay now' })).toHaveCount(0);

  const receipts = (await billingMail()).filter((m) => m.kind === 'payment_receipt' && m.subject.includes(number));
  expect(receipts.map((m) => m.recipient).sort()).toEqual([`accounts@${org.domain}`, org.email].sort());
  const [event] = await sql<{ summary: string }[]>`select summary from audit_events where org_id = ${org.orgId} and action = 'invoices.paid'`;
  expect(event.summary).toMatch(new RegExp(`^Card payment of \\$\\d+\\.\\d{2} received for invoice ${number} \\(Visa ending 4242\\)$`));

  await page.goto('/invoices');
  await expect(page.getByRole('region', { name: 'Outstanding' })).toContainText('$0.00');
  await expect(page.getByRole('region', { name: 'Outstanding' })).toContainText('Nothing to pay');
});

test('Download PDFs: two invoices selected on the list come as one zip; no one else can zip them', async ({ page, browser }) => {
  const chosen = await sql<{ id: string; number: string }[]>`select id, number from invoices where org_id = ${org.orgId} order by created_at desc limit 2`;
  expect(chosen).toHaveLength(2);
  await signIn(page, org.email, PASSWORD);
  await page.goto('/invoices');
  const table = page.getByRole('table', { name: 'Invoices' });
  for (const invoice of chosen) await table.getByRole('checkbox', { name: `Select invoice ${invoice.number}` }).check();
  const bar = page.getByRole('region', { name: 'Selection' });
  await expect(bar).toContainText('2 invoices selected on this page');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), bar.getByRole('link', { name: 'Download PDFs' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^invoices-\d{4}-\d{2}-\d{2}\.zip$/);
  const file = path.join(os.tmpdir(), `invoices-${org.orgId}.zip`);
  await download.saveAs(file);
  const entries = await unzip(fs.readFileSync(file));
  expect(entries.map((e) => e.name).sort()).toEqual(chosen.map((i) => `invoice-${i.number}.pdf`).sort());
  for (const entry of entries) {
    const pdf = path.join(os.tmpdir(), `${org.orgId}-${entry.name}`);
    fs.writeFileSync(pdf, entry.content);
    const number = /invoice-(\d+)\.pdf/.exec(entry.name)?.[1] ?? '';
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text).toMatch(new RegExp(`Number\\s+${number}\\b`));
    // Each PDF is its own invoice, not the other's.
    for (const other of chosen.filter((i) => i.number !== number)) expect(text).not.toMatch(new RegExp(`Number\\s+${other.number}\\b`));
  }

  // Refused: another organisation's administrator asking for these invoices (all of them, or one
  // among its own ids), and anyone without a session.
  const ids = chosen.map((i) => i.id).join(',');
  const stranger = await browser.newContext();
  const strangerPage = await stranger.newPage();
  await signIn(strangerPage, 'owner@globex.example');
  const foreign = await strangerPage.request.get(`/invoices/pdfs?ids=${ids}`);
  expect(foreign.status()).toBe(404);
  expect(await foreign.json()).toMatchObject({ error: { code: 'not_found', message: '2 of the selected invoices do not exist.' } });
  expect(foreign.headers()['content-type']).not.toContain('zip');
  const [globexInvoice] = await sql<{ id: string }[]>`select i.id from invoices i join domains d on d.org_id = i.org_id where d.domain = 'globex.example' limit 1`;
  if (globexInvoice) expect((await strangerPage.request.get(`/invoices/pdfs?ids=${globexInvoice.id},${chosen[0].id}`)).status()).toBe(404);
  await stranger.close();
  const anonymous = await browser.newContext();
  expect((await anonymous.request.get(`/invoices/pdfs?ids=${ids}`)).status()).toBe(401);
  await anonymous.close();
  // A malformed selection is an input error, not a server error.
  expect((await page.request.get('/invoices/pdfs?ids=not-a-uuid')).status()).toBe(400);
});

test('screens at desktop and phone widths, with no sideways scrolling', async ({ page }) => {
  await signIn(page, org.email, PASSWORD);
  const [invoice] = await sql<{ id: string }[]>`select id from invoices where org_id = ${org.orgId} order by created_at limit 1`;
  // An open check invoice to show Pay now on (made directly: the flow itself is tested above).
  const [open] = await sql<{ id: string }[]>`
    with o as (
      insert into orders (org_id, kind, status, quantity, unit_price_cents, days_charged, days_in_term, subtotal_cents, total_cents, lines, priced_for_renewal_date, payment_method, fulfilled_at)
      select org_id, 'licenses', 'fulfilled', 2, 3000, 365, 365, 6000, 6000, '[]'::jsonb, renewal_date, 'check', now() from subscriptions where org_id = ${org.orgId}
      returning id, org_id)
    insert into invoices (org_id, order_id, number, issued_on, due_on, status, payment_method, bill_to, lines, subtotal_cents, discount_cents, tax_cents, total_cents)
    select org_id, id, 'SHOT-' || substr(md5(random()::text), 1, 8), current_date, current_date + 30, 'open', 'check',
      '{"name":"Erin Example","organisation":"E2E","lines":["1 Main Street","Springfield, IL, 62701","United States"]}'::jsonb,
      '[{"description":"2 licenses at $30.00 per year (1–49 tier)","quantity":2,"unitPriceCents":3000,"amountCents":6000}]'::jsonb, 6000, 0, 0, 6000
    from o returning id`;
  const pages = [
    ['dashboard', '/dashboard'],
    ['licensed-emails', '/licensed-emails'],
    ['invoices', '/invoices'],
    ['invoice-paid', `/invoices/${invoice.id}`],
    ['invoice-open', `/invoices/${open.id}`],
    ['invoice-pay', `/invoices/${open.id}/pay`],
    ['settings-billing', '/settings/billing'],
  ] as const;
  for (const [width, height] of [
    [1440, 900],
    [390, 844],
  ]) {
    await page.setViewportSize({ width, height });
    for (const [name, url] of pages) {
      await page.goto(url);
      await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${name} at ${width}px`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: `test-results/billing-${name}-${width}.png`, fullPage: true });
    }
    // The checkout's card form and Pay now's, on an open order and invoice of their own.
    await page.goto('/dashboard');
    await page.getByRole('button', { name: 'Buy licenses' }).click();
    await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    await page.screenshot({ path: `test-results/billing-checkout-${width}.png`, fullPage: true });
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect(page.getByLabel('Card number')).toBeVisible({ timeout: 30_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/billing-card-${width}.png`, fullPage: true });
  }
});
