import { expect, test, type Page } from '@playwright/test';
import postgres from 'postgres';
import { expectAccessible, signIn, signInToPortal, writeMessage } from './helpers';

/**
 * The list kit (lib/lists, components/data-table) on the lists moved onto it: bulk actions with
 * their confirmations and audit events, "select all matching", column choices remembered across
 * sessions, keyboard-only selection, axe and no clipped cell at desktop and phone widths.
 *
 * Works on addresses of its own (dt-…@globex.example), added and removed here, so the counts the
 * other files check (Acme's, Globex's) are as they found them.
 */
test.describe.configure({ mode: 'serial' });

const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1, onnotice: () => {} });
const PREFIX = `dt${Date.now().toString(36)}`;

async function addAddresses(count: number, tag: string): Promise<string[]> {
  const emails = Array.from({ length: count }, (_, i) => `${PREFIX}-${tag}-${String(i).padStart(3, '0')}@globex.example`);
  await sql`
    insert into licensed_emails (org_id, email)
    select d.org_id, e from domains d, unnest(${emails}::text[]) e where d.domain = 'globex.example'`;
  return emails;
}

/** Licenses granted here for our addresses; handed back at the end, so Globex's counts are as found. */
let granted = 0;

async function freeLicenses(count: number) {
  await sql`update subscriptions s set licenses_purchased = licenses_purchased + ${count}
    from domains d where d.org_id = s.org_id and d.domain = 'globex.example'`;
  granted += count;
}

test.afterAll(async () => {
  await sql`delete from licensed_emails where email like ${`${PREFIX}-%`}`;
  await sql`update subscriptions s set licenses_purchased = licenses_purchased - ${granted}
    from domains d where d.org_id = s.org_id and d.domain = 'globex.example'`;
  await sql.end();
});

/** No cell is cut off: each cell's content fits its box (truncated values are cut inside, on purpose, and say so on hover). */
async function expectNoClippedCells(page: Page) {
  const clipped = await page.locator('td, th').evaluateAll((cells) =>
    cells
      // Visible cells only: not hidden, nor visually hidden for screen readers (1 px boxes).
      .filter((cell) => cell.getClientRects().length > 0 && cell.clientWidth > 1 && !cell.closest('.sr-only'))
      .filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map((cell) => cell.textContent?.trim().slice(0, 60)),
  );
  expect(clipped).toEqual([]);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

test('a bulk remove of three licensed addresses: confirmation names the count, one audit event each, licenses freed', async ({ page }) => {
  await freeLicenses(3);
  const emails = await addAddresses(4, 'rm');
  await signIn(page, 'owner@globex.example');
  await page.goto(`/licensed-emails?q=${PREFIX}-rm`);
  await expect(page.getByText('4 addresses match')).toBeVisible();
  await expect(page.getByText('1–4 of 4')).toBeVisible();
  for (const email of emails.slice(0, 3)) await page.getByRole('checkbox', { name: `Select ${email}` }).check();
  const bar = page.getByRole('region', { name: 'Selection' });
  await expect(bar).toContainText('3 addresses selected on this page');
  await bar.getByRole('button', { name: 'Remove selected' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Remove 3 addresses?' });
  await confirm.getByRole('button', { name: 'Remove 3 addresses' }).click();
  await expect(page.getByText('3 addresses removed').first()).toBeVisible();
  await expect(page.getByText('1 address match')).toBeVisible();
  await expect(page.getByRole('checkbox', { name: `Select ${emails[3]}` })).toBeVisible();

  const events = await sql<{ target_label: string }[]>`
    select target_label from audit_events where action = 'licensed_emails.removed' and target_label like ${`${PREFIX}-rm-%`}`;
  expect(events.map((e) => e.target_label).sort()).toEqual(emails.slice(0, 3).sort());
  const [left] = await sql<{ n: number }[]>`select count(*)::int as n from licensed_emails where email like ${`${PREFIX}-rm-%`}`;
  expect(left.n).toBe(1);
});

test('select all on this page, then all matching; export selected; keyboard only', async ({ page }) => {
  await freeLicenses(60);
  await addAddresses(60, 'all');
  await signIn(page, 'owner@globex.example');
  await page.goto(`/licensed-emails?q=${PREFIX}-all&sort=email&dir=asc`);
  await expect(page.getByText('1–50 of 60')).toBeVisible();

  // Keyboard only: from the select-all box, Tab past the sort links to the first row's box; Space ticks it.
  const first = page.getByRole('checkbox', { name: `Select ${PREFIX}-all-000@globex.example` });
  await page.getByRole('checkbox', { name: 'Select all on this page' }).focus();
  for (let i = 0; i < 6 && !(await first.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(first).toBeFocused();
  await page.keyboard.press('Space');
  await expect(first).toBeChecked();
  await expect(page.getByRole('region', { name: 'Selection' })).toContainText('1 address selected on this page');

  // Export selected: the ticked address only.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export selected' }).click()]);
  const text = await (await download.createReadStream()).toArray();
  expect(Buffer.concat(text).toString('utf8').replace(/^\uFEFF/, '').trim().split('\r\n')).toEqual(['Email', `${PREFIX}-all-000@globex.example`]);

  await page.getByRole('checkbox', { name: 'Select all on this page' }).check();
  const bar = page.getByRole('region', { name: 'Selection' });
  await expect(bar).toContainText('50 addresses selected on this page');
  await bar.getByRole('button', { name: 'Select all 60 matching' }).click();
  await expect(bar).toContainText('All 60 addresses matching selected');
  await bar.getByRole('button', { name: 'Remove selected' }).click();
  await page.getByRole('alertdialog', { name: 'Remove 60 addresses?' }).getByRole('button', { name: 'Remove 60 addresses' }).click();
  await expect(page.getByText('60 addresses removed').first()).toBeVisible();
  await expect(page.getByText('No address matches your search')).toBeVisible();
});

test('the pager goes forwards and back', async ({ page }) => {
  await freeLicenses(55);
  await addAddresses(55, 'pg');
  await signIn(page, 'owner@globex.example');
  await page.goto(`/licensed-emails?q=${PREFIX}-pg&sort=email&dir=asc`);
  const pages = page.getByRole('navigation', { name: 'Pages' });
  await expect(pages).toContainText('1–50 of 55');
  await pages.getByRole('link', { name: 'Next' }).click();
  await expect(pages).toContainText('51–55 of 55');
  await expect(page.getByRole('row').nth(1)).toContainText(`${PREFIX}-pg-050@globex.example`);
  await pages.getByRole('link', { name: 'Previous' }).click();
  await expect(pages).toContainText('1–50 of 55');
  await expect(page.getByRole('row').nth(1)).toContainText(`${PREFIX}-pg-000@globex.example`);
  await sql`delete from licensed_emails where email like ${`${PREFIX}-pg-%`}`;
});

test('a bulk recall of two secure messages asks for a reason, written to each message’s log and audit event', async ({ page, browser }) => {
  test.slow();
  // Two messages of our own, to an address no other file reads.
  const to = `zz-${PREFIX}@partner.example`;
  const sender = await (await browser.newContext()).newPage();
  await signInToPortal(sender, 'alice@acme.example');
  for (const n of ['one', 'two']) {
    await sender.goto('/secure/compose');
    await sender.getByLabel('To', { exact: true }).fill(to);
    await sender.getByLabel('Subject').fill(`Bulk ${PREFIX} ${n}`);
    await writeMessage(sender, ['Sent to be recalled.']);
    await sender.getByRole('button', { name: 'Send', exact: true }).click();
    await sender.getByRole('dialog', { name: 'Send this message?' }).getByRole('button', { name: 'Send message' }).click();
    await expect(sender).toHaveURL(/\/secure\/sent$/);
  }
  await sender.context().close();

  await signIn(page, 'manager@acme.example');
  await page.goto(`/secure-messages?q=${PREFIX}`);
  await expect(page.getByText('1–2 of 2')).toBeVisible();
  await page.getByRole('checkbox', { name: 'Select all on this page' }).check();
  const bar = page.getByRole('region', { name: 'Selection' });
  await expect(bar).toContainText('2 messages selected on this page');
  await bar.getByRole('button', { name: 'Recall selected' }).click();
  const dialog = page.getByRole('dialog', { name: 'Recall 2 messages?' });
  await expectAccessible(page);
  // The reason is required.
  await dialog.getByRole('button', { name: 'Recall 2 messages' }).click();
  await expect(dialog.getByText('Say why, in a few words')).toBeVisible();
  await dialog.getByLabel('Reason').fill('Sent to the wrong patient');
  await dialog.getByRole('button', { name: 'Recall 2 messages' }).click();
  await expect(page.getByText('2 messages recalled').first()).toBeVisible();

  const logged = await sql<{ detail: string }[]>`
    select e.detail from message_events e
    join message_recipients r on r.message_id = e.message_id join portal_users u on u.id = r.user_id
    where u.email = ${to} and e.kind = 'recalled'`;
  expect(logged.map((e) => e.detail)).toEqual(['Reason: Sent to the wrong patient', 'Reason: Sent to the wrong patient']);
  const audited = await sql<{ n: number }[]>`
    select count(*)::int as n from audit_events where action = 'secure_messages.recalled' and summary like ${`%to ${to}; its key was destroyed. Reason: Sent to the wrong patient`}`;
  expect(audited[0].n).toBe(2);
  // Both states show: unread, and recalled.
  await page.goto(`/secure-messages?recalled=1&read=unread`);
  await expect(page.getByRole('row').filter({ hasText: to }).first()).toContainText('UnreadRecalled');
});

test('the portal Inbox marks several messages unread and read again', async ({ page }) => {
  await signInToPortal(page, 'alice@acme.example');
  await page.goto('/secure/inbox');
  const inbox = page.getByRole('list', { name: 'Inbox' });
  // Two messages already read (not marked unread for screen readers), from the bottom of the page.
  const read = inbox.getByRole('listitem').filter({ hasNot: page.getByText('Unread:') });
  const boxes = [read.nth(-1).getByRole('checkbox'), read.nth(-2).getByRole('checkbox')];
  const names = await Promise.all(boxes.map((box) => box.getAttribute('aria-label')));
  for (const box of boxes) await box.check();
  const bar = page.getByRole('region', { name: 'Selection' });
  await expect(bar).toContainText('2 messages selected');
  await bar.getByRole('button', { name: 'Mark as unread' }).click();
  await expect(page.getByText('2 messages marked as unread').first()).toBeVisible();
  for (const name of names) await expect(inbox.getByRole('listitem').filter({ has: page.getByRole('checkbox', { name: name ?? '' }) })).toContainText('Unread:');
  for (const name of names) await page.getByRole('checkbox', { name: name ?? '' }).check();
  await bar.getByRole('button', { name: 'Mark as read' }).click();
  await expect(page.getByText('2 messages marked as read').first()).toBeVisible();
  for (const name of names) await expect(inbox.getByRole('listitem').filter({ has: page.getByRole('checkbox', { name: name ?? '' }) })).not.toContainText('Unread:');
  await expectAccessible(page);
});

test('a column choice is remembered across sessions', async ({ page, browser }) => {
  // Two sign-ins on a shared, busy machine.
  test.slow();
  await signIn(page, 'owner@globex.example');
  await page.goto('/licensed-emails');
  await expect(page.getByRole('columnheader', { name: /Date added/ })).toBeVisible();
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('menuitemcheckbox', { name: 'Date added' }).click();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('columnheader', { name: /Date added/ })).toHaveCount(0);

  const other = await browser.newContext();
  const again = await other.newPage();
  await signIn(again, 'owner@globex.example');
  await again.goto('/licensed-emails');
  await expect(again.getByRole('columnheader', { name: /Email address/ })).toBeVisible();
  await expect(again.getByRole('columnheader', { name: /Date added/ })).toHaveCount(0);
  await again.getByRole('button', { name: 'Columns' }).click();
  await again.getByRole('menuitemcheckbox', { name: 'Date added' }).click();
  await again.keyboard.press('Escape');
  await expect(again.getByRole('columnheader', { name: /Date added/ })).toBeVisible();
  await other.close();
});

for (const viewport of [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
]) {
  test(`the lists at ${viewport.width} px: accessible, nothing clipped`, async ({ page }) => {
    test.slow();
    await freeLicenses(2);
    await addAddresses(2, `long-${viewport.width}-a-very-long-local-part-that-would-not-fit-on-a-phone`);
    await page.setViewportSize(viewport);
    await signIn(page, 'owner@globex.example');
    for (const url of ['/licensed-emails', `/licensed-emails?q=${PREFIX}-long-${viewport.width}`]) {
      await page.goto(url);
      await expect(page.getByRole('region', { name: 'Licensed email addresses' })).toBeVisible();
      // A row selected, so the selection bar is checked too.
      await page.getByRole('checkbox', { name: /^Select (?!all on this page)/ }).first().check();
      await expect(page.getByRole('region', { name: 'Selection' })).toBeVisible();
      await expectAccessible(page);
      await expectNoClippedCells(page);
      await page.screenshot({ path: `test-results/data-tables-${viewport.width}-licensed-emails${url === '/licensed-emails' ? '' : '-long'}.png`, fullPage: true });
    }
    // The other lists on the kit, as Acme's owner (read only: nothing is changed here).
    await page.context().clearCookies();
    await signIn(page, 'owner@acme.example');
    for (const [url, table] of [
      ['/administrators', 'Administrators'],
      ['/recipients', 'Recipients'],
      ['/settings/api-keys', null],
      ['/invoices', null], // Acme has none until the licensing file buys some
      ['/suppressions', null],
      ['/secure-messages', 'Secure messages, newest first'],
      ['/delivery-events', 'Delivery events, by time, ascending'],
    ] as const) {
      await page.goto(url);
      if (table) await expect(page.getByRole('table', { name: table })).toBeVisible();
      await expectAccessible(page);
      await expectNoClippedCells(page);
      await page.screenshot({ path: `test-results/data-tables-${viewport.width}${url.replaceAll('/', '-')}.png`, fullPage: true });
    }
  });
}
