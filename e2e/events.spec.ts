import fs from 'node:fs/promises';
import { actionsInCategory, auditCatalog } from '../lib/audit/catalog';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

const HEADER = 'Time (UTC),Actor,Action,Target,Summary,Client address';

function eventsTable(page: Page) {
  return page.getByRole('table', { name: 'Events, newest first' });
}

/** The text of one column of the events table, top to bottom. */
async function column(page: Page, index: number): Promise<string[]> {
  return eventsTable(page).locator(`tbody tr td:nth-child(${index})`).allTextContents();
}

async function exportCsv(page: Page): Promise<{ filename: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  const file = await download.path();
  return { filename: download.suggestedFilename(), text: await fs.readFile(file, 'utf8') };
}

test.describe('events', () => {
  test('a manager sees sign-ins, filters by type, and the URL keeps the filter', async ({ page }) => {
    await signIn(page, 'manager@acme.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Events', exact: true }).click();
    await expect(page).toHaveURL(/\/events$/);
    await expect(page.getByRole('heading', { name: 'Events', level: 1 })).toBeVisible();
    await expect(eventsTable(page)).toBeVisible();
    await expect(eventsTable(page).getByRole('cell', { name: 'manager@acme.example' }).first()).toBeVisible();
    await expect(eventsTable(page).getByText('Signed in', { exact: true }).first()).toBeVisible();
    await expect(page.getByText(/^[\d,]+\+? events?$/)).toBeVisible();
    await expectAccessible(page);

    await page.getByLabel('Type', { exact: true }).selectOption({ label: 'Sign-ins' });
    await page.getByLabel('Actor', { exact: true }).selectOption('manager@acme.example');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/[?&]category=sign-in(&|$)/);
    await expect(page).toHaveURL(/[?&]actor=manager%40acme\.example(&|$)/);
    await expect(page.getByLabel('Type', { exact: true })).toHaveValue('sign-in');
    await expect(eventsTable(page)).toBeVisible();
    // The sign-in category's kinds (lib/audit/catalog.ts); Domain sign-in links the manager in an earlier spec.
    const signInKinds = actionsInCategory('sign-in').map((action) => auditCatalog[action].label);
    for (const action of await column(page, 3)) expect(signInKinds).toContain(action);
    for (const actor of await column(page, 2)) expect(actor).toBe('manager@acme.example');
    await expectAccessible(page);
    await page.screenshot({ path: 'test-results/events-filtered.png', fullPage: true });

    // The filters survive a reload: they live in the URL, not in the page's state.
    await page.reload();
    await expect(page.getByLabel('Type', { exact: true })).toHaveValue('sign-in');
    await expect(page.getByLabel('Actor', { exact: true })).toHaveValue('manager@acme.example');

    await page.getByRole('link', { name: 'Clear', exact: true }).click();
    await expect(page).toHaveURL(/\/events$/);
    await expect(page.getByLabel('Type', { exact: true })).toHaveValue('');
  });

  test('a date range with nothing in it shows the empty state, and "Clear filters" brings the events back', async ({ page }) => {
    await signIn(page, 'manager@acme.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.goto('/events');
    await page.getByLabel('From', { exact: true }).fill('2099-01-01');
    await page.getByLabel('To', { exact: true }).fill('2099-01-31');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(/from=2099-01-01/);
    await expect(page.getByRole('heading', { name: 'No events match these filters' })).toBeVisible();
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Clear filters' }).click();
    await expect(page).toHaveURL(/\/events$/);
    await expect(eventsTable(page)).toBeVisible();
  });

  test('bad filters in the URL are ignored with a clear message, never an error page', async ({ page }) => {
    await signIn(page, 'manager@acme.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    const response = await page.goto('/events?category=payments&from=2026-02-30&to=soon&cursor=forged');
    expect(response?.status()).toBe(200);
    const notice = page.getByRole('status').filter({ hasText: 'Some filters could not be applied' });
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('Unknown event type');
    await expect(notice).toContainText('The start date is not a valid date');
    await expect(notice).toContainText('The end date is not a valid date');
    await expect(notice).toContainText('page link is not valid');
    await expect(eventsTable(page)).toBeVisible();
    await expectAccessible(page);

    await page.goto('/events?from=2026-11-22&to=2026-11-01');
    await expect(page.getByText('The start date is after the end date.')).toBeVisible();

    const refused = await page.request.get('/events/export?from=2026-02-30');
    expect(refused.status()).toBe(400);
    expect((await refused.json()).error.code).toBe('invalid_input');
  });

  test('Export CSV downloads the filtered events, and the export is itself an event', async ({ page }) => {
    await signIn(page, 'manager@acme.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.goto('/events?category=sign-in');
    await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveAttribute('href', '/events/export?category=sign-in');

    const { filename, text } = await exportCsv(page);
    expect(filename).toMatch(/^events-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(text.startsWith(`\uFEFF${HEADER}\r\n`)).toBe(true);
    const rows = text.slice(1).split('\r\n').slice(1).filter(Boolean);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((row) => row.includes(',manager@acme.example,Signed in,'))).toBe(true);
    expect(rows.every((row) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z,/.test(row))).toBe(true);

    await page.goto('/events');
    const newest = eventsTable(page).locator('tbody tr').first();
    await expect(newest).toContainText('Events exported');
    await expect(newest).toContainText('manager@acme.example');
    await expect(newest).toContainText(/Exported [\d,]+\+? events? \(category: Sign-ins\)/);
    await page.getByLabel('Type', { exact: true }).selectOption({ label: 'Exports' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(eventsTable(page).getByText('Events exported').first()).toBeVisible();
  });

  test('a read-only administrator can view and export events too', async ({ page }) => {
    await signIn(page, 'viewer@acme.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.goto('/events');
    const { text } = await exportCsv(page);
    expect(text.startsWith(`\uFEFF${HEADER}`)).toBe(true);
  });

  test("Globex's owner sees none of Acme's events, actors or rows in the export", async ({ page }) => {
    await signIn(page, 'owner@globex.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.goto('/events');
    await expect(eventsTable(page).getByRole('cell', { name: 'owner@globex.example' }).first()).toBeVisible();
    await expect(page.getByText(/acme\.example/)).toHaveCount(0);
    expect((await page.getByLabel('Actor', { exact: true }).locator('option').allTextContents()).join(' ')).not.toMatch(/acme/);

    const { text } = await exportCsv(page);
    expect(text).toContain('owner@globex.example');
    expect(text).not.toMatch(/acme/i);

    // Even asking for an Acme actor by URL finds nothing, on the page or in the export.
    await page.goto('/events?actor=manager%40acme.example');
    await expect(page.getByRole('heading', { name: 'No events match these filters' })).toBeVisible();
    const filtered = await exportCsv(page);
    expect(filtered.text).toBe(`\uFEFF${HEADER}\r\n`);
  });

  test('the export needs a session', async ({ request }) => {
    const response = await request.get('/events/export', { maxRedirects: 0 });
    expect(response.status()).toBe(401);
    expect(response.headers()['content-type']).toContain('application/json');
    expect((await response.json()).error.code).toBe('unauthenticated');
  });

  test('the events page needs a session', async ({ page }) => {
    await page.goto('/events');
    await expect(page).toHaveURL(/\/login/);
  });
});
