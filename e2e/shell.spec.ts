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
