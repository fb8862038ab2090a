import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import postgres from 'postgres';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

/**
 * The administrators' everyday pages (issue #23, items 4–7): the dashboard's mail figures and
 * open invoices, the events search, presets and detail, a policy change request, and the
 * reports' presets, weekly bars and CSV. Each page is also looked at on a laptop and a phone.
 */

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

function database() {
  return postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1, onnotice: () => {} });
}

/** A full-page screenshot at both sizes, and no sideways scrolling on the phone. */
async function lookAt(page: Page, name: string) {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: `test-results/admin-everyday/${name}-1440.png`, fullPage: true });
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: `test-results/admin-everyday/${name}-390.png`, fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  await page.setViewportSize(DESKTOP);
}

test.describe('administration pages, every day', () => {
  // Long flows (sign-ins, a dialog, downloads, two viewport sizes each) on a busy machine.
  test.slow();

  test('the dashboard shows the last 7 days of mail beside the licenses, the open invoices with their amounts, and each recent event once', async ({ page }) => {
    const sql = database();
    const [acme] = await sql<{ id: string }[]>`select id from organisations where name = 'Acme Health'`;
    // An open invoice (a check purchase awaiting its check), removed again at the end.
    const number = `E2E${randomBytes(4).toString('hex').toUpperCase()}`;
    const [order] = await sql<{ id: string }[]>`
      insert into orders (org_id, kind, status, quantity, unit_price_cents, days_charged, days_in_term, subtotal_cents, total_cents, lines, priced_for_renewal_date, payment_method)
      values (${acme.id}, 'licenses', 'fulfilled', 3, 2700, 92, 365, 14556, 14556, '[]'::jsonb, current_date + 30, 'check') returning id`;
    await sql`
      insert into invoices (org_id, order_id, number, issued_on, due_on, status, payment_method, bill_to, lines, subtotal_cents, discount_cents, tax_cents, total_cents)
      values (${acme.id}, ${order.id}, ${number}, current_date, current_date + 30, 'open', 'check', ${sql.json({ name: 'Olivia Bennett', organisation: 'Acme Health', lines: [] })}, '[]'::jsonb, 14556, 0, 0, 14556)`;
    try {
      await page.setViewportSize(DESKTOP);
      await signIn(page, 'owner@acme.example');
      await expect(page).toHaveURL(/\/dashboard$/);

      // The figures, counted here straight from the seeded tables.
      const [figures] = await sql<{ sent: number; read: number; bounced: number; open: number; due: number }[]>`
        select
          (select count(*)::int from secure_messages where org_id = ${acme.id} and direction = 'outbound' and sent_at > now() - interval '7 days') as sent,
          (select count(*)::int from secure_messages m where org_id = ${acme.id} and direction = 'outbound' and sent_at > now() - interval '7 days'
             and exists (select 1 from message_recipients r where r.message_id = m.id and r.read_at is not null)) as read,
          (select count(*)::int from delivery_events where org_id = ${acme.id} and event = 'bounced' and occurred_at > now() - interval '7 days') as bounced,
          (select count(*)::int from invoices where org_id = ${acme.id} and status = 'open') as open,
          (select coalesce(sum(total_cents), 0)::int from invoices where org_id = ${acme.id} and status = 'open') as due`;
      expect(figures.sent).toBeGreaterThan(0);
      expect(figures.bounced).toBeGreaterThan(0);

      await expect(page.getByText('Mail, last 7 days')).toBeVisible();
      await expect(page.getByText(`${figures.sent.toLocaleString('en-US')} secure message${figures.sent === 1 ? '' : 's'} sent`)).toBeVisible();
      const figure = (term: string) => page.getByRole('term').filter({ hasText: term }).locator('xpath=following-sibling::dd[1]');
      await expect(figure('Read by a recipient')).toHaveText(new RegExp(`^${figures.read}(\\D|$)`));
      await expect(figure('Bounces')).toHaveText(figures.bounced.toLocaleString('en-US'));

      const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
      await expect(page.getByText(`${figures.open} open invoice${figures.open === 1 ? '' : 's'}, ${money.format(figures.due / 100)} to pay by check.`)).toBeVisible();
      const invoiceRow = page.getByRole('list', { name: 'Open invoices' }).getByRole('listitem').filter({ hasText: `Invoice ${number}` });
      await expect(invoiceRow).toContainText('$145.56');
      await expect(invoiceRow.getByRole('link', { name: `Invoice ${number}` })).toHaveAttribute('href', /\/invoices\/[0-9a-f-]{36}$/);

      // Each recent event is one sentence: the summary, then who and when, not the kind's label again.
      const recent = page.getByRole('list', { name: 'Recent events' });
      await expect(recent.getByRole('link', { name: 'owner@acme.example signed in' }).first()).toBeVisible();
      await expect(recent.getByText('Signed in', { exact: true })).toHaveCount(0);
      const items = await recent.getByRole('listitem').allTextContents();
      for (const text of items) expect(text.toLowerCase().split('signed in').length).toBeLessThanOrEqual(2);
      // And the sign-in was recorded once: the repetition was in the display, not in the data.
      const [signIns] = await sql<{ n: number }[]>`
        select count(*)::int as n from audit_events
        where org_id = ${acme.id} and action = 'auth.signed_in' and actor_email = 'owner@acme.example' and occurred_at > now() - interval '2 minutes'`;
      expect(signIns.n).toBe(1);

      await expectAccessible(page);
      await lookAt(page, 'dashboard');
    } finally {
      await sql`delete from invoices where number = ${number}`;
      await sql`delete from orders where id = ${order.id}`;
      await sql.end();
    }
  });

  test('events: a search over summaries and targets, the presets, and the detail of one event reached by keyboard', async ({ page }) => {
    await page.setViewportSize(DESKTOP);
    await signIn(page, 'manager@acme.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.goto('/events');
    const table = page.getByRole('table', { name: 'Events, newest first' });

    // The seed renamed james.smith 9 days ago: found by words of its summary, within 30 days.
    await page.getByLabel('Search', { exact: true }).fill('renamed to JIM.smith');
    await page.getByLabel('Period', { exact: true }).selectOption({ label: 'Last 30 days' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]q=renamed\+to\+JIM\.smith(&|$)/);
    await expect(page).toHaveURL(/[?&]period=30d(&|$)/);
    await expect(table.getByRole('row')).toHaveCount(2);
    await expect(table.getByRole('cell', { name: 'james.smith@acme.example renamed to jim.smith@acme.example' })).toBeVisible();
    await expect(page.getByText('1 event', { exact: true })).toBeVisible();
    await expect(page.getByLabel('Search', { exact: true })).toHaveValue('renamed to JIM.smith');
    await expectAccessible(page);
    await lookAt(page, 'events-search');

    // The last 24 hours do not reach back 9 days.
    await page.getByLabel('Period', { exact: true }).selectOption({ label: 'Last 24 hours' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]period=24h(&|$)/);
    await expect(page.getByRole('heading', { name: 'No events match these filters' })).toBeVisible();

    // Today's sign-in is in the last 24 hours.
    await page.goto('/events?period=24h&q=manager%40acme.example+signed+in');
    await expect(table.getByRole('cell', { name: 'manager@acme.example signed in' }).first()).toBeVisible();

    // The detail: from the row's link, by keyboard.
    await page.goto('/events?q=renamed+to+jim.smith');
    // Focus after the page has loaded its scripts and hydrated, as a person tabbing would: a focus
    // given to the server's HTML before that was once lost on a slow machine.
    await page.waitForLoadState('networkidle');
    const link = table.getByRole('row').nth(1).getByRole('link');
    await link.focus();
    await expect(link).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/events\/\d+$/);
    await expect(page.getByRole('heading', { name: 'Licensed email renamed', level: 1 })).toBeVisible();
    const field = (term: string) => page.getByRole('term').filter({ hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');
    await expect(field('Summary')).toHaveText('james.smith@acme.example renamed to jim.smith@acme.example');
    await expect(field('Actor')).toHaveText('manager@acme.example');
    await expect(field('Actor type')).toHaveText('Administrator');
    await expect(field('Client address')).toHaveText('198.51.100.61');
    await expect(field('Time \\(UTC\\)')).toContainText('UTC');
    await expectAccessible(page);
    await lookAt(page, 'event-detail');

    // An id that is not one of this organisation's events is not found.
    const missing = await page.goto('/events/999999999');
    expect(missing?.status()).toBe(404);
  });

  test('policies: "Request a change" emails the Sealpost operators, records an event and lists the request with its state', async ({ page }) => {
    await page.setViewportSize(DESKTOP);
    const details = `Expire secure messages after 14 days instead of 30 (${randomBytes(3).toString('hex')}).`;

    // Read-only administrators see the policies and the requests, but cannot make one.
    await signIn(page, 'viewer@acme.example');
    await page.goto('/policies');
    await expect(page.getByRole('heading', { name: 'Policies', level: 1 })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Request a change' })).toHaveCount(0);

    await page.context().clearCookies();
    await signIn(page, 'owner@acme.example');
    await page.goto('/policies');
    await page.getByRole('button', { name: 'Request a change' }).click();
    const dialog = page.getByRole('dialog', { name: 'Request a policy change' });
    await expect(dialog).toBeVisible();
    // Too short: said at the field, nothing sent.
    await dialog.getByLabel('What should change?').fill('Shorter');
    await dialog.getByRole('button', { name: 'Send request' }).click();
    await expect(dialog.getByText('Say what should change, in at least 10 characters.')).toBeVisible();
    await expectAccessible(page);

    await dialog.getByLabel('Policy').selectOption({ label: 'Secure delivery on request' });
    await dialog.getByLabel('What should change?').fill(details);
    await dialog.getByRole('button', { name: 'Send request' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText('Request sent to Sealpost')).toBeVisible();

    const request = page.getByRole('list', { name: 'Change requests' }).getByRole('listitem').filter({ hasText: details });
    await expect(request).toContainText('Secure delivery on request');
    await expect(request).toContainText('Sent to Sealpost');
    await expect(request).toContainText('Requested by owner@acme.example');
    await expectAccessible(page);
    await lookAt(page, 'policies');

    // The audit event.
    await page.goto(`/events?q=${encodeURIComponent('asked Sealpost to change the policy')}`);
    const table = page.getByRole('table', { name: 'Events, newest first' });
    await expect(table.getByRole('cell', { name: 'owner@acme.example asked Sealpost to change the policy "Secure delivery on request"' }).first()).toBeVisible();
    await expect(table.getByText('Policy change requested').first()).toBeVisible();

    // The email to the operators, through the outbox.
    await page.goto('/dev/outbox');
    const mail = page.getByRole('listitem').filter({ hasText: 'To: operators@sealpost.example' }).filter({ hasText: details });
    await expect(mail).toHaveCount(1);
    await expect(mail).toContainText('Policy change request from Acme Health');
    await expect(mail).toContainText('Policy: Secure delivery on request');
  });

  test('reports: presets, weekly bars for a year with their numbers on focus, the CSV of the chart, and readable on a phone', async ({ page }) => {
    await page.setViewportSize(DESKTOP);
    await signIn(page, 'viewer@acme.example');
    await page.goto('/reports');
    const presets = page.getByRole('navigation', { name: 'Report presets' });
    await expect(presets.getByRole('link', { name: 'Last 30 days' })).toHaveAttribute('aria-current', 'page');

    await presets.getByRole('link', { name: 'Last 7 days' }).click();
    await expect(presets.getByRole('link', { name: 'Last 7 days' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('img', { name: /^\d+ \w+ \d{4}: \d+ outbound, \d+ inbound, \d+ in total$/ })).toHaveCount(7);

    await presets.getByRole('link', { name: 'Last 12 months' }).click();
    await expect(presets.getByRole('link', { name: 'Last 12 months' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('heading', { name: 'Secure messages per week' })).toBeVisible();
    // 365 days touch 53 weeks: 53 bars, not 365 hairlines.
    const bars = page.getByRole('img', { name: /^Week of / });
    await expect(bars).toHaveCount(53);
    await expect(page.getByRole('group', { name: /^Bar chart of secure messages per week from/ })).toBeVisible();

    // The bars take the focus from the form, by Tab, and show their numbers when focused.
    await page.getByRole('button', { name: 'Show report' }).focus();
    await page.keyboard.press('Tab');
    await expect(bars.first()).toBeFocused();
    const last = bars.nth(52);
    await last.focus();
    await expect(last.locator('g[aria-hidden]').last()).toHaveCSS('opacity', '1');
    await expect(bars.nth(10).locator('g[aria-hidden]').last()).toHaveCSS('opacity', '0');
    await expectAccessible(page);

    // The CSV holds the chart's bars and adds up to the total above it.
    const totalText = (await page.getByTestId('report-total').textContent()) ?? '';
    const total = Number(totalText.match(/^([\d,]+)/)?.[1].replace(/,/g, ''));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^secure-messages-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}-by-week\.csv$/);
    const lines = (await fs.readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('Period start,Period end,Outbound,Inbound,Total');
    expect(lines).toHaveLength(54);
    expect(lines.slice(1).reduce((sum, line) => sum + Number(line.split(',')[4]), 0)).toBe(total);
    expect(total).toBeGreaterThan(0);

    // Monthly bars on request.
    await page.getByLabel('Bars').selectOption({ label: 'Per month' });
    await page.getByRole('button', { name: 'Show report' }).click();
    await expect(page).toHaveURL(/[?&]by=month(&|$)/);
    await expect(page.getByRole('heading', { name: 'Secure messages per month' })).toBeVisible();
    // The months the 365 days touch: 13, or 12 when they start on the 1st.
    const from = new URL(page.url()).searchParams.get('from') ?? '';
    await expect(page.getByRole('img', { name: /^[A-Z][a-z]+ \d{4}/ })).toHaveCount(from.endsWith('-01') ? 12 : 13);

    await presets.getByRole('link', { name: 'Last 12 months' }).click();
    await lookAt(page, 'reports-year');
    // On a phone the narrow chart is the one shown, with its own bars and labels.
    await page.setViewportSize(PHONE);
    await expect(page.getByRole('img', { name: /^Week of / })).toHaveCount(53);
    const labelSize = await page.locator('svg.sm\\:hidden text').first().evaluate((el) => el.getBoundingClientRect().height);
    expect(labelSize).toBeGreaterThanOrEqual(10);
  });
});
