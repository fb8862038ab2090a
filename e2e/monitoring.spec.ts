import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn, signInToPortal } from './helpers';

/**
 * /secure-messages on the demo seed: ~32 messages between alice@acme.example and pat@partner.example; the
 * four newest are unread. This file extends one of pat's unread messages and recalls alice's
 * unread inbound one, so the portal tests (pat opens his newest unread message) are unaffected.
 */
const TO_EXTEND = '[secure] Invoice query — March statement';
const TO_RECALL = 'Re: Referral: cardiology consult';

const logLink = (page: Page, subject: string) => page.getByRole('link', { name: `View log of "${subject}"`, exact: true });
const rowOf = (page: Page, subject: string) => page.getByRole('row').filter({ has: logLink(page, subject) });

test('a level 2 administrator filters messages, reads a log, extends one and recalls another', async ({ page, browser }) => {
  await signIn(page, 'manager@acme.example');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Secure messages' }).click();
  await expect(page.getByRole('heading', { name: 'Secure messages', level: 1 })).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Policy' })).toBeVisible();
  // Each recipient's delivery route (NTA 7516): the portal, with SMS where the portal asks for a code.
  await expect(page.getByRole('columnheader', { name: 'Route' })).toBeVisible();
  const routes = await page.locator('tbody td:nth-child(8) li').allTextContents();
  expect(routes.length).toBeGreaterThan(0);
  for (const route of routes) expect(route).toMatch(/^(\S+@\S+: Secure portal( with SMS)?|and \d+ more)$/);
  await expectAccessible(page);

  // Filter by Read: every row shown is Read (and may be extended, expired or recalled besides).
  const filters = page.getByRole('search', { name: 'Filter secure messages' });
  await filters.getByLabel('Read', { exact: true }).check();
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/read=read/);
  const rows = page.getByRole('row').filter({ has: page.getByRole('link', { name: /^View log of/ }) });
  await expect(rows.first()).toBeVisible();
  const statuses = await rows.locator('td:nth-child(6)').allTextContents();
  expect(statuses.length).toBeGreaterThan(0);
  for (const status of statuses) expect(status).toMatch(/^Read/);

  // A click anywhere on a row (here its sender) opens the row's detail panel, with the message's log.
  // (The View log link covers the row, so a click on the cell is a click on the link: click where it is.)
  const sender = await rows.first().locator('td:nth-child(3)').boundingBox();
  if (!sender) throw new Error('the first row has no sender cell');
  await page.mouse.click(sender.x + 8, sender.y + sender.height / 2);
  const panel = page.getByRole('dialog');
  await expect(panel).toBeVisible();
  // Focus is on the panel, not on its Recall button.
  await expect(panel).toBeFocused();
  const log = panel.getByRole('list', { name: 'Message log, oldest first' });
  await expect(log).toContainText('Sent');
  await expect(log).toContainText('Notification emailed');
  await expect(log).toContainText('Opened');
  await expect(panel.getByRole('button', { name: 'Recall' })).toBeVisible();
  await expectAccessible(page);
  await page.screenshot({ path: 'test-results/monitoring-panel.png' });

  // Closed by its X …
  await panel.getByRole('button', { name: 'Close' }).click();
  await expect(panel).toBeHidden();
  await expect(page).not.toHaveURL(/message=/);
  await expect(rows.first().getByRole('link', { name: /^View log of/ })).toBeFocused();
  // … and by a click outside it (the panel sits on the right).
  await rows.nth(1).getByRole('link', { name: /^View log of/ }).click();
  await expect(panel).toBeVisible();
  await page.mouse.click(20, 300);
  await expect(panel).toBeHidden();
  await expect(page).toHaveURL(/read=read/);

  // Extend an unread message by 7 days: it is Extended as well as Unread (an old ?status=sent link still finds the unread).
  await page.goto('/secure-messages?status=sent');
  await expect(rowOf(page, TO_EXTEND)).toContainText('Unread');
  await logLink(page, TO_EXTEND).click();
  await expect(panel).toBeVisible();
  await panel.getByLabel('Extend expiry by').selectOption({ label: '7 days' });
  await panel.getByRole('button', { name: 'Extend', exact: true }).click();
  await expect(panel.getByRole('list', { name: 'Message log, oldest first' })).toContainText('Expiry extended · manager@acme.example');
  await expect(panel).toContainText('Expiry extended by 7 days to');
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  // Still unread, and now extended too: both badges, side by side; and it is listed under Extended.
  await expect(rowOf(page, TO_EXTEND)).toContainText('UnreadExtended');
  await page.goto('/secure-messages?extended=1');
  await expect(rowOf(page, TO_EXTEND)).toContainText('Extended');

  // Recall one, after a confirmation: it becomes Recalled.
  await page.goto('/secure-messages');
  await filters.getByLabel('Search', { exact: true }).fill('cardiology');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/q=cardiology/);
  // Its subject is destroyed with its key by the recall: from then on it is known by its id.
  const recalledId = /[?&]message=([0-9a-f-]{36})/.exec((await logLink(page, TO_RECALL).getAttribute('href')) ?? '')?.[1] ?? '';
  expect(recalledId).not.toBe('');
  await logLink(page, TO_RECALL).click();
  await expect(panel).toBeVisible();
  await panel.getByRole('button', { name: 'Recall' }).click();
  const confirm = page.getByRole('alertdialog', { name: `Recall "${TO_RECALL}"?` });
  await expect(confirm).toContainText('can no longer open it');
  await expectAccessible(page);
  await confirm.getByRole('button', { name: 'Recall message' }).click();
  await expect(confirm).toBeHidden();
  await expect(panel).toContainText('This message was recalled');
  await expect(panel.getByRole('list', { name: 'Message log, oldest first' })).toContainText('Recalled · manager@acme.example');
  await expect(panel.getByRole('button', { name: 'Recall' })).toHaveCount(0);
  await page.mouse.click(20, 300);
  await expect(panel).toBeHidden();
  const recalledRow = page.getByRole('row').filter({ has: page.locator(`a[href*="message=${recalledId}"]`) });
  // Its words went with its key: the search that found it finds it no more.
  await expect(recalledRow).toHaveCount(0);

  // Both changes are audit events.
  await page.goto('/events?category=messages');
  // Audit events say who and when, never what (the subject is sealed, and a recalled one is gone).
  await expect(page.getByText(/^Recalled the message of .+ from pat@partner\.example to alice@acme\.example; its key was destroyed$/)).toBeVisible();
  await expect(page.getByText(/^Extended the expiry of the message of .+ from alice@acme\.example to pat@partner\.example by 7 days/)).toBeVisible();

  // The recipient can no longer open the recalled message, nor find it by its words.
  const aliceContext = await browser.newContext();
  const alice = await aliceContext.newPage();
  await signInToPortal(alice, 'alice@acme.example');
  await alice.goto('/secure/inbox?q=cardiology');
  await expect(alice.getByRole('list', { name: 'Search results' }).getByRole('link', { name: new RegExp(TO_RECALL) })).toHaveCount(0);
  await alice.goto(`/secure/messages/${recalledId}`);
  await expect(alice.getByText('This message was recalled').first()).toBeVisible();
  await expect(alice.frameLocator('iframe[title="Message body"]').locator('body')).toHaveCount(0);
  await aliceContext.close();
});

test('a read-only administrator sees the log but no Recall or Extend', async ({ page }) => {
  await signIn(page, 'viewer@acme.example');
  await page.goto('/secure-messages');
  await expect(page.getByRole('heading', { name: 'Secure messages', level: 1 })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('link', { name: /^View log of/ }).first().click();
  const panel = page.getByRole('dialog');
  await expect(panel.getByRole('list', { name: 'Message log, oldest first' })).toContainText('Sent');
  await expect(panel.getByRole('button', { name: /Recall|Extend/ })).toHaveCount(0);
  await expect(panel.getByLabel('Extend expiry by')).toHaveCount(0);
  await expectAccessible(page);
  await panel.getByRole('button', { name: 'Close' }).click();
  await expect(panel).toBeHidden();
});

test('reports show the total and a chart of secure messages per day', async ({ page }) => {
  await signIn(page, 'viewer@acme.example');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
  await expect(page.getByRole('heading', { name: 'Reports', level: 1 })).toBeVisible();
  // Default: the last 30 days.
  await expect(page.getByText(/^[\d,]+ secure messages?, [\d,]+ outbound, [\d,]+ inbound$/)).toBeVisible();
  await expect(page.getByRole('group', { name: /^Bar chart of secure messages per day from/ })).toBeVisible();
  await page.getByText('Show the numbers').click();
  await expect(page.getByRole('table', { name: 'Secure messages per day' }).getByRole('row')).toHaveCount(31);
  await expectAccessible(page);
  await page.screenshot({ path: 'test-results/reports.png', fullPage: true });

  // A chosen range covering the whole seed (90 days back): every seeded message counts.
  const today = new Date();
  const from = new Date(today.getTime() - 95 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('From', { exact: true }).fill(from);
  await page.getByLabel('To', { exact: true }).fill(today.toISOString().slice(0, 10));
  await page.getByRole('button', { name: 'Show report' }).click();
  await expect(page).toHaveURL(new RegExp(`from=${from}`));
  const total = page.getByText(/^[\d,]+ secure messages?, [\d,]+ outbound, [\d,]+ inbound$/);
  const [all, outbound, inbound] = ((await total.textContent()) ?? '').match(/\d[\d,]*/g)?.map((n) => Number(n.replace(/,/g, ''))) ?? [];
  expect(all).toBeGreaterThanOrEqual(32);
  expect(outbound + inbound).toBe(all);
  expect(inbound).toBeGreaterThan(0);

  // More than 366 days is refused with a reason, and the default range is shown instead.
  await page.goto('/reports?from=2020-01-01&to=2026-01-01');
  await expect(page.getByText('Choose a range of at most 366 days.')).toBeVisible();
});
