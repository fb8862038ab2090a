import { expect, test } from '@playwright/test';
import { signIn } from './helpers';

/**
 * The administration shell renders light triggers and plain links (see useOpenOnFirstUse and
 * useClientNavigation); these check that they still behave like the components they replace.
 */
test('navigation links move between pages without a full page load, and leave modified clicks to the browser', async ({ page, context }) => {
  await signIn(page, 'owner@acme.example');
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
  const nav = page.getByRole('navigation', { name: 'Main' });

  await nav.getByRole('link', { name: 'Licensed emails' }).click();
  await expect(page.getByRole('heading', { name: 'Licensed email addresses', level: 1 })).toBeVisible();
  await expect(page).toHaveTitle('Licensed email addresses · Sealpost');
  await expect(nav.getByRole('link', { name: 'Licensed emails' })).toHaveAttribute('aria-current', 'page');
  // Sorting is a link in the table's header: also a client-side navigation.
  await page.getByRole('link', { name: /Email address/ }).click();
  await expect(page).toHaveURL(/sort=email/);
  await expect(page.getByRole('columnheader', { name: /Email address/ })).toHaveAttribute('aria-sort', 'ascending');
  // The keyboard follows the same links.
  await nav.getByRole('link', { name: 'Administrators' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Administrators', level: 1 })).toBeVisible();
  await expect(page).toHaveTitle('Administrators · Sealpost');
  expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);

  // Ctrl+click opens a new tab, as on any link; this page stays where it is.
  const opened = context.waitForEvent('page');
  await nav.getByRole('link', { name: 'Invoices' }).click({ modifiers: ['Control'] });
  const tab = await opened;
  await tab.waitForLoadState();
  expect(tab.url()).toMatch(/\/invoices$/);
  await expect(page).toHaveURL(/\/administrators$/);
  await tab.close();
});

test('the account menu and the Add dialog open from the keyboard and give focus back when closed', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/licensed-emails');

  const account = page.getByRole('button', { name: /Account menu/ });
  await account.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menuitem', { name: 'Change password' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu')).toBeHidden();
  await expect(page.getByRole('button', { name: /Account menu/ })).toBeFocused();
  // Once mounted it works as before: the arrow key opens it too.
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitem', { name: 'Sign out' })).toBeVisible();
  await page.keyboard.press('Escape');

  const add = page.getByRole('button', { name: 'Add', exact: true });
  await expect(add).toHaveAttribute('aria-haspopup', 'dialog');
  await add.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Add licensed email addresses' });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toBeFocused();
  // And it opens again.
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(dialog).toBeVisible();
});

test('on a laptop-width window, wide tables scroll inside their card (from the keyboard too) and the page does not', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 800 });
  await signIn(page, 'owner@acme.example');
  for (const path of ['/dashboard', '/delivery-events', '/events', '/licensed-emails', '/recipients']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));
    expect(widths.page, `${path} is wider than the window`).toBeLessThanOrEqual(widths.window);
  }
  await page.goto('/delivery-events');
  await expect(page.getByRole('button', { name: 'Export CSV' }).or(page.getByRole('link', { name: 'Export CSV' }))).toBeInViewport();
  const region = page.getByRole('region', { name: /^Delivery events, by / });
  const scroller = await region.evaluate((el) => ({ scrolls: el.scrollWidth > el.clientWidth, left: el.scrollLeft }));
  expect(scroller.scrolls).toBe(true);
  await region.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect.poll(() => region.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
});

test('the sidebar groups its pages, stays in view, and a slow page shows a progress bar until it arrives', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await signIn(page, 'owner@acme.example');
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const [group, first] of [
    ['Licensing & billing', 'Licensed emails'],
    ['Messaging', 'Policies'],
    ['Delivery', 'Delivery events'],
    ['Organisation', 'Administrators'],
  ] as const) {
    await expect(nav.getByRole('list', { name: group }).getByRole('link').first()).toHaveText(first);
  }
  // The organisation is a label, not a control.
  await expect(page.getByRole('complementary').getByRole('button', { name: /Acme Health/ })).toHaveCount(0);
  await expect(page.getByRole('complementary').getByText('Acme Health')).toBeVisible();

  // The server is slow to answer this one navigation: the bar shows while the old page stays.
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/events(\?|$)/, async (route) => {
    await held;
    await route.continue();
  });
  await nav.getByRole('link', { name: 'Events', exact: true }).click();
  const bar = page.getByRole('progressbar', { name: 'Loading page' });
  await expect(bar).toBeVisible();
  release();
  await expect(page.getByRole('heading', { name: 'Events', level: 1 })).toBeVisible();
  await expect(bar).toBeHidden();

  // Scrolled to the bottom of a long page, the navigation is still on screen.
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toBeInViewport();
});
