import { randomBytes } from 'node:crypto';
import { expect as baseExpect, test, type Locator, type Page } from '@playwright/test';
import { DEMO_PASSWORD, signIn } from './helpers';

/**
 * The main flows walked with the keyboard alone (Tab, Shift+Tab, Enter, typing), checking what a
 * keyboard or screen-reader user meets and axe cannot see: where focus goes after each step, that
 * the next Tab after a page change is the skip link, that a focused control is not hidden under
 * the sticky header, that dialogs are modal and can be left backwards, that messages appear in
 * live regions that were on the page before them, that targets are at least 24 × 24 px, and that
 * a notice that stays until dismissed does not cover the composer's Send.
 *
 * State: Globex gains one licensed address and loses it again; Alice sends one message to a new
 * external address (a recipient without a phone number, under Acme's SMS two-factor policy).
 */

/** Pages and their refreshes can take seconds on a loaded machine. */
const expect = baseExpect.configure({ timeout: 30_000 });

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

/** On the compose page, with focus in To: a recipient, a subject and a message, typed and tabbed to. */
async function writeWithKeyboard(page: Page, recipient: string, subject: string, message: string) {
  await page.keyboard.type(recipient);
  await page.keyboard.press('Enter');
  await tabTo(page, page.getByLabel('Subject', { exact: true }));
  await page.keyboard.type(subject);
  await tabTo(page, page.getByLabel('Message', { exact: true }));
  await page.keyboard.type(message);
}

async function expectTargetSize(locator: Locator) {
  const box = await locator.boundingBox();
  expect(box, `${locator} is on screen`).not.toBeNull();
  expect(box?.width ?? 0, `${locator} is at least 24 px wide`).toBeGreaterThanOrEqual(24);
  expect(box?.height ?? 0, `${locator} is at least 24 px tall`).toBeGreaterThanOrEqual(24);
}

/** Marks the element now matched by `locator`, so a later check can tell it is the same element (not one inserted since). */
async function markElement(locator: Locator, mark: string) {
  await locator.evaluate((element, value) => element.setAttribute('data-e2e-mark', value), mark);
}

/**
 * From the table's last row (the page scrolled down to it), Shift+Tab back up to the sort links:
 * the browser scrolls each stop into view at the top of the window, where the sticky header is.
 * They must land below it (WCAG 2.4.11), and be 24 px targets. (Without the scroll padding of
 * app/globals.css, the first sort link of /delivery-events lands 30 px from the top at 1280 × 720,
 * under the 64 px header.)
 */
async function expectSortLinksClearOfHeader(page: Page) {
  const header = page.locator('header.sticky');
  const sortLink = page.locator('main th a[href]').first();
  await expect(sortLink).toBeVisible();
  for (const link of await page.locator('main th a[href]').all()) await expectTargetSize(link);
  // Setup: start at the last row's last control.
  await page.locator('main tbody tr:not([hidden])').last().locator('a[href], button').last().focus();
  expect(await page.evaluate(() => window.scrollY), 'the page scrolled down to the last row').toBeGreaterThan(0);
  for (let i = 0; i < 300; i++) {
    await page.keyboard.press('Shift+Tab');
    const box = await page.evaluate(() => {
      const active = document.activeElement;
      if (!active?.closest('main th') || !active.matches('a[href]')) return null;
      const r = active.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom };
    });
    if (!box) continue;
    const headerBox = await header.boundingBox();
    expect(headerBox).not.toBeNull();
    const headerBottom = (headerBox?.y ?? 0) + (headerBox?.height ?? 0);
    expect(box.top, 'the focused sort link is below the sticky header, not under it').toBeGreaterThanOrEqual(headerBottom);
    expect(box.bottom).toBeLessThanOrEqual(page.viewportSize()?.height ?? 0);
    return;
  }
  throw new Error('Shift+Tab never reached a sort link');
}

test.describe('keyboard and screen reader', () => {
  // Many single key presses, each a round trip to the browser: slow on a loaded machine.
  test.describe.configure({ timeout: 300_000 });

  test('administrator: a refused sign-in in a region already on the page, the heading after sign-in, the skip link first after a page change, sort links clear of the sticky header', async ({ page }) => {
    await page.goto('/login');
    const email = page.getByLabel('Email address');
    await expect(email).toBeFocused();
    // The owner: Edit and Remove on every row make a long walk through the table.
    await page.keyboard.type('owner@acme.example');
    await page.keyboard.press('Enter');
    const password = page.getByLabel('Password', { exact: true });
    await expect(password).toBeFocused();
    // A wrong password: the refusal appears in the form's status region, on the page (empty) before it.
    const region = page.locator('form > [role="status"]').first();
    await expect(region).toBeEmpty();
    await markElement(region, 'sign-in-region');
    await page.keyboard.type('Not-the-password-1!');
    await page.keyboard.press('Enter');
    await expect(page.locator('[data-e2e-mark="sign-in-region"]')).toContainText(/./);
    await expect(page.locator('form [role="status"]').filter({ hasText: /./ })).toHaveCount(1);
    await tabTo(page, password, { backwards: true });
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
    await expect(page.locator('main tbody tr:not([hidden])').nth(11)).toBeVisible();
    await expectSortLinksClearOfHeader(page);
  });

  test('administrator: searches as you type are read out from regions already on the page; a submitted search focuses its results, or the field it could not read', async ({ page }) => {
    await signIn(page, 'viewer@acme.example');

    // Licensed emails: the visible count is itself the live region, the same element before and after.
    await page.goto('/licensed-emails');
    const count = page.locator('main p[aria-live="polite"]');
    await expect(count).toHaveText(/\d+ address/);
    await markElement(count, 'count');
    const search = page.getByRole('searchbox', { name: 'Search licensed addresses' });
    await tabTo(page, search);
    await page.keyboard.type('no-such-address-anywhere');
    await expect(page).toHaveURL(/q=no-such-address-anywhere/);
    await expect(page.locator('[data-e2e-mark="count"]')).toHaveText('0 addresses match “no-such-address-anywhere”');
    await expect(search).toBeFocused();

    // Recipients: the search box's own region, empty until a search is done, then the number found.
    await page.goto('/recipients');
    const said = page.getByTestId('search-results-said');
    await expect(said).toHaveText('');
    await expect(said).toHaveAttribute('role', 'status');
    await markElement(said, 'said');
    const recipients = page.getByRole('searchbox', { name: 'Search recipients' });
    await tabTo(page, recipients);
    await page.keyboard.type('pat@partner');
    await expect(page).toHaveURL(/q=pat%40partner/);
    await expect(page.locator('[data-e2e-mark="said"]')).toHaveText(/^[1-9]\d* results? for “pat@partner”$/);
    await page.keyboard.type('-nobody-at-all');
    await expect(page.locator('[data-e2e-mark="said"]')).toHaveText('No results for “pat@partner-nobody-at-all”');
    await expect(recipients).toBeFocused();

    // Delivery events: a plain GET form (a new page); its results' summary takes focus and is read.
    await page.goto('/delivery-events');
    const query = page.getByRole('searchbox', { name: 'Search' });
    await tabTo(page, query);
    await page.keyboard.type('status:bounced');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=status%3Abounced/);
    const summary = page.locator('main [data-result-summary]');
    await expect(summary).toBeFocused();
    await expect(summary).toContainText(/\d+\+? events?|No delivery events/);

    await tabTo(page, page.getByRole('searchbox', { name: 'Search' }), { backwards: true });
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('(unclosed');
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=%28unclosed/);
    // The query could not be read: focus goes to the field, which says why.
    const invalid = page.getByRole('searchbox', { name: 'Search' });
    await expect(invalid).toBeFocused();
    await expect(invalid).toHaveAttribute('aria-invalid', 'true');
  });

  test('administrator: the Add dialog is modal and Shift+Tab leaves its first control; a confirmed Remove leaves focus on the heading', async ({ page }) => {
    await signIn(page, 'owner@globex.example');
    await page.goto('/licensed-emails');
    const add = page.getByRole('button', { name: 'Add', exact: true });
    await tabTo(page, add);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add licensed email addresses' });
    await expect(dialog).toHaveAttribute('aria-modal', 'true');
    const first = dialog.getByLabel('Address 1, the part before the @');
    await expect(first).toBeFocused();
    // Backwards out of the first field: the tabs, not the field (or its panel) again.
    await page.keyboard.press('Shift+Tab');
    const manual = dialog.getByRole('tab', { name: 'Manual' });
    await expect(manual).toBeFocused();
    // Backwards from the first control: round to the dialog's last one (Close), not stuck on the tab.
    await page.keyboard.press('Shift+Tab');
    await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
    await tabTo(page, manual);
    await page.keyboard.press('Tab');
    await expect(first).toBeFocused();

    // Save with the address left empty: the field says why, and the dialog stays.
    const manualForm = dialog.getByRole('tabpanel', { name: 'Manual' });
    await tabTo(page, manualForm.getByRole('button', { name: 'Save' }));
    await page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    const address = `keyboard.walk.${randomBytes(3).toString('hex')}`;
    await tabTo(page, first, { backwards: true });
    await page.keyboard.type(address);
    await page.keyboard.press('Enter');
    await expect(dialog).toHaveCount(0);
    await expect(add).toBeFocused();
    const remove = page.getByRole('button', { name: `Remove ${address}@globex.example` });
    await expect(remove).toBeVisible();

    await tabTo(page, remove);
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('alertdialog', { name: `Remove ${address}@globex.example?` });
    await expect(confirm).toHaveAttribute('aria-modal', 'true');
    await tabTo(page, confirm.getByRole('button', { name: 'Remove' }));
    await page.keyboard.press('Enter');
    await expect(confirm).toHaveCount(0);
    await expect(remove).toHaveCount(0);
    // The row and its button are gone: focus is on the page's heading, not the page body.
    await expect(mainHeading(page)).toBeFocused();
  });

  test('portal: headings after sign-in, opening and sending a message; 24 px radio buttons and Attach files; a lasting notice leaves Send clear', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 720 });
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

    const compose = page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Compose' });
    await tabTo(page, compose, { backwards: true });
    await page.keyboard.press('Enter');
    await page.waitForURL('**/secure/compose');
    const to = page.getByLabel('To', { exact: true });
    // The composer puts focus in its first field itself; the page change leaves it there.
    await expect(to).toBeFocused();

    // Targets: the file input is as large as its visible label, and is what the keyboard reaches.
    const attach = page.getByLabel('Attach files');
    await expectTargetSize(attach);
    const label = page.locator('label[for="attachment"]');
    const [inputBox, labelBox] = [await attach.boundingBox(), await label.boundingBox()];
    expect(inputBox?.width).toBeCloseTo(labelBox?.width ?? 0, 0);
    expect(inputBox?.height).toBeCloseTo(labelBox?.height ?? 0, 0);
    const radios = await page.getByRole('radio').all();
    expect(radios.length).toBeGreaterThan(0);
    for (const radio of radios) await expectTargetSize(radio);

    const recipient = `kb-${randomBytes(3).toString('hex')}@partner.example`;
    await writeWithKeyboard(page, recipient, 'Keyboard walk', 'Written and sent with the keyboard alone.');
    const send = page.getByRole('button', { name: 'Send', exact: true });
    const confirm = page.getByRole('dialog', { name: 'Send this message?' });
    await tabTo(page, send);
    await page.keyboard.press('Enter');
    await expect(confirm).toHaveAttribute('aria-modal', 'true');
    await tabTo(page, confirm.getByRole('button', { name: 'Send message' }));
    await page.keyboard.press('Enter');
    await page.waitForURL('**/secure/sent');
    await expect(mainHeading(page)).toBeFocused();

    // The new recipient has no phone number under Acme's SMS policy: a notice that stays until dismissed.
    const notice = page.getByRole('status').filter({ hasText: 'No phone number for SMS two-factor' });
    await expect(notice).toBeVisible();

    // Writing the next message: the notice stays, and keeps clear of Send and Discard.
    await tabTo(page, compose, { backwards: true });
    await page.keyboard.press('Enter');
    await page.waitForURL('**/secure/compose');
    await expect(notice).toBeVisible();
    // The same new recipient: Pat's inbox and drafts stay as the other portal specs expect them.
    await writeWithKeyboard(page, recipient, 'Send stays clear', 'The notice is still there.');
    const boxOf = async (locator: Locator) => (await locator.boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 };
    for (const action of [send, page.getByRole('button', { name: 'Discard' })]) {
      await action.scrollIntoViewIfNeeded();
      await expect
        .poll(async () => {
          const [a, t] = [await boxOf(action), await boxOf(notice)];
          if (a.width === 0 || t.width === 0) return false;
          return a.y + a.height <= t.y || t.y + t.height <= a.y || a.x + a.width <= t.x || t.x + t.width <= a.x;
        }, `${action} is not under the notice`)
        .toBe(true);
    }
    // A pointer reaches Send without dismissing the notice (a covered button would refuse the click).
    await send.click();
    await expect(confirm).toBeVisible();
    await expect(notice).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(confirm).toHaveCount(0);
  });
});
