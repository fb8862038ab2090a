import { expect as baseExpect, test, type Locator, type Page } from '@playwright/test';
import { DEMO_PASSWORD, signIn } from './helpers';

/**
 * The main flows walked with the keyboard alone (Tab, Shift+Tab, Enter, typing), checking what a
 * keyboard or screen-reader user meets and axe cannot see: where focus goes after each step, that
 * the next Tab after a page change is the skip link, that a focused control is not hidden under
 * the sticky header, that dialogs are modal and can be left backwards, that results and errors
 * reach the app's announcer, and that targets are at least 24 × 24 px.
 *
 * State: Globex gains one licensed address and loses it again; Alice sends Pat one message.
 */

/** Pages and their refreshes can take seconds on a loaded machine. */
const expect = baseExpect.configure({ timeout: 30_000 });

const announcer = (page: Page) => page.getByTestId('announcer-polite');
const mainHeading = (page: Page) => page.locator('main h1');

async function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === document.activeElement).catch(() => false);
}

/** Presses Tab (or Shift+Tab) until `locator` has focus: the way a keyboard user gets there. */
async function tabTo(page: Page, locator: Locator, options: { backwards?: boolean; max?: number } = {}) {
  const key = options.backwards ? 'Shift+Tab' : 'Tab';
  if (await isFocused(locator)) return;
  for (let i = 0; i < (options.max ?? 80); i++) {
    await page.keyboard.press(key);
    if (await isFocused(locator)) return;
  }
  const active = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
  throw new Error(`${key} never reached ${locator}; focus is on ${active}`);
}

async function expectTargetSize(locator: Locator) {
  const box = await locator.boundingBox();
  expect(box, `${locator} is on screen`).not.toBeNull();
  expect(box?.width ?? 0, `${locator} is at least 24 px wide`).toBeGreaterThanOrEqual(24);
  expect(box?.height ?? 0, `${locator} is at least 24 px tall`).toBeGreaterThanOrEqual(24);
}

/**
 * Tabs down into the table (the page scrolls with it), then Shift+Tab back up to the sort links:
 * the browser scrolls each into view at the top of the window, where the sticky header is. They
 * must land below it (WCAG 2.4.11), and be 24 px targets.
 */
async function expectSortLinksClearOfHeader(page: Page) {
  const headerBox = await page.locator('header.sticky').boundingBox();
  expect(headerBox).not.toBeNull();
  const headerBottom = (headerBox?.y ?? 0) + (headerBox?.height ?? 0);
  const sortLink = page.locator('main th a[href]').first();
  await expect(sortLink).toBeVisible();
  await expectTargetSize(sortLink);
  // Setup: start at the table's first sort link, then walk down sixteen rows with Tab.
  await sortLink.focus();
  await tabTo(page, page.locator('main tbody tr').nth(15).locator('a[href], button').first(), { max: 60 });
  expect(await page.evaluate(() => window.scrollY), 'the page scrolled down with the rows').toBeGreaterThan(0);
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Shift+Tab');
    const box = await page.evaluate(() => {
      const active = document.activeElement;
      if (!active?.closest('main th')) return null;
      const r = active.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom };
    });
    if (!box) continue;
    expect(box.top, 'the focused sort link is below the sticky header, not under it').toBeGreaterThanOrEqual(headerBottom);
    expect(box.bottom).toBeLessThanOrEqual(page.viewportSize()?.height ?? 0);
    return;
  }
  throw new Error('Shift+Tab never reached a sort link');
}

test.describe('keyboard and screen reader', () => {
  // Many single key presses, each a round trip to the browser: slow on a loaded machine.
  test.describe.configure({ timeout: 300_000 });

  test('administrator: the heading after sign-in, the skip link first after a page change, sort links clear of the sticky header', async ({ page }) => {
    await page.goto('/login');
    const email = page.getByLabel('Email address');
    await expect(email).toBeFocused();
    // The owner: Edit and Remove on every row make a long walk through the table.
    await page.keyboard.type('owner@acme.example');
    await page.keyboard.press('Enter');
    const password = page.getByLabel('Password', { exact: true });
    await expect(password).toBeFocused();
    await page.keyboard.type(DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/dashboard');
    // Signing in leads to the dashboard's heading, not to the page body.
    await expect(mainHeading(page)).toBeFocused();

    // A page change through the navigation: the next Tab is the skip link, 24 px or more.
    const navLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Licensed emails' });
    await tabTo(page, navLink, { backwards: true });
    await page.keyboard.press('Enter');
    await page.waitForURL('**/licensed-emails');
    await expect(mainHeading(page)).toHaveText(/Licensed email/);
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(skip).toBeFocused();
    await expectTargetSize(skip);
    // The skip link leads into the page: the next stop is in <main>, past the navigation.
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('main')))).toBe(true);

    await expectSortLinksClearOfHeader(page);

    await page.goto('/delivery-events');
    await expect(page.locator('main tbody tr').first()).toBeVisible();
    await expectSortLinksClearOfHeader(page);
  });

  test('administrator: a search as you type is announced; a submitted search focuses its results, or the field it could not read', async ({ page }) => {
    await signIn(page, 'viewer@acme.example');
    await page.goto('/licensed-emails');
    const search = page.getByRole('searchbox', { name: 'Search licensed addresses' });
    await tabTo(page, search);
    await page.keyboard.type('no-such-address-anywhere');
    await expect(page).toHaveURL(/q=no-such-address-anywhere/);
    await expect(announcer(page)).toHaveText(/0 addresses match “no-such-address-anywhere”/, { timeout: 30_000 });
    await expect(search).toBeFocused();

    await page.goto('/delivery-events');
    const query = page.getByRole('searchbox', { name: 'Search' });
    await tabTo(page, query);
    await page.keyboard.type('status:bounced');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=status%3Abounced/);
    await expect(mainHeading(page)).toBeFocused();
    await expect(announcer(page)).toHaveText(/\d+ results? shown\.|No /, { timeout: 30_000 });

    await tabTo(page, page.getByRole('searchbox', { name: 'Search' }));
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('(unclosed');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=%28unclosed/);
    // The query could not be read: focus goes to the field, which says why.
    const invalid = page.getByRole('searchbox', { name: 'Search' });
    await expect(invalid).toBeFocused();
    await expect(invalid).toHaveAttribute('aria-invalid', 'true');
  });

  test('administrator: the Add dialog is modal and can be left with Shift+Tab; a confirmed Remove leaves focus on the heading', async ({ page }) => {
    await signIn(page, 'owner@globex.example');
    await page.goto('/licensed-emails');
    const add = page.getByRole('button', { name: 'Add', exact: true });
    await tabTo(page, add);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add licensed email addresses' });
    await expect(dialog).toHaveAttribute('aria-modal', 'true');
    const first = dialog.getByLabel('Address 1, the part before the @');
    await expect(first).toBeFocused();
    // Backwards out of the first field: the tabs, not the field again.
    await page.keyboard.press('Shift+Tab');
    await expect(dialog.getByRole('tab', { name: 'Manual' })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(first).toBeFocused();
    await page.keyboard.type('keyboard.walk');
    await page.keyboard.press('Enter');
    await expect(dialog).toHaveCount(0);
    await expect(add).toBeFocused();
    const remove = page.getByRole('button', { name: 'Remove keyboard.walk@globex.example' });
    await expect(remove).toBeVisible();

    await tabTo(page, remove);
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('alertdialog', { name: 'Remove keyboard.walk@globex.example?' });
    await expect(confirm).toHaveAttribute('aria-modal', 'true');
    await tabTo(page, confirm.getByRole('button', { name: 'Remove' }));
    await page.keyboard.press('Enter');
    await expect(confirm).toHaveCount(0);
    await expect(remove).toHaveCount(0);
    // The row and its button are gone: focus is on the page's heading, not the page body.
    await expect(mainHeading(page)).toBeFocused();
  });

  test('portal: headings after sign-in, opening and sending a message; 24 px radio buttons and Attach files; errors announced', async ({ page }) => {
    await page.goto('/secure/login');
    await expect(page.getByLabel('Email address')).toBeFocused();
    await page.keyboard.type('alice@acme.example');
    await page.keyboard.press('Enter');
    await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
    await page.keyboard.type(DEMO_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/secure/inbox');
    await expect(mainHeading(page)).toBeFocused();

    const message = page.getByRole('list', { name: 'Inbox' }).getByRole('link').first();
    await tabTo(page, message);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/secure\/messages\//);
    await expect(mainHeading(page)).toBeFocused();

    await page.goto('/secure/compose');
    const attach = page.getByLabel('Attach files');
    await expectTargetSize(attach);
    await tabTo(page, attach);
    // An error shown as it happens is read out through the announcer (assertive), not left to an
    // alert inserted with its text.
    await attach.setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
    await expect(page.getByTestId('announcer-assertive')).toHaveText('empty.txt is empty.');

    const to = page.getByLabel('To', { exact: true });
    await tabTo(page, to, { backwards: true });
    await page.keyboard.type('alice@acme.example');
    await tabTo(page, page.getByLabel('Subject', { exact: true }));
    await page.keyboard.type('Keyboard walk');
    await tabTo(page, page.getByLabel('Message', { exact: true }));
    await page.keyboard.type('Written and sent with the keyboard alone.');
    const send = page.getByRole('button', { name: 'Send', exact: true });
    const options = page.getByRole('dialog', { name: 'Send options' });
    const sendFromOptions = async () => {
      await tabTo(page, send);
      await page.keyboard.press('Enter');
      await expect(options).toHaveAttribute('aria-modal', 'true');
      await tabTo(page, options.getByRole('button', { name: 'Send message' }));
      await page.keyboard.press('Enter');
    };
    await sendFromOptions();
    // Refused (one's own address): the server's answer is announced.
    await expect(page.getByTestId('announcer-assertive')).toHaveText('You cannot send a secure message to yourself.');
    await tabTo(page, to, { backwards: true });
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('pat@partner.example');
    await tabTo(page, send);
    await page.keyboard.press('Enter');
    for (const radio of await options.getByRole('radio').all()) await expectTargetSize(radio);
    await page.keyboard.press('Escape');
    await expect(options).toHaveCount(0);
    await sendFromOptions();
    await page.waitForURL('**/secure/sent');
    await expect(mainHeading(page)).toBeFocused();
  });
});
