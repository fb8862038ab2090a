import fs from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

function table(page: Page) {
  return page.getByRole('table', { name: /^Delivery events, by / });
}

/** Visible data rows only (detail rows are hidden until opened); column 1 is the caret. */
async function column(page: Page, index: number): Promise<string[]> {
  return table(page).locator(`tbody tr:not([hidden]) td:nth-child(${index})`).allTextContents();
}

test.describe('delivery events', () => {
  test('a manager searches, sorts, expands a bounce, sees a malformed query explained, and exports', async ({ page }) => {
    await signIn(page, 'manager@acme.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Delivery events' }).click();
    await expect(page).toHaveURL(/\/delivery-events$/);
    await expect(page.getByRole('heading', { name: 'Delivery events', level: 1 })).toBeVisible();
    await expect(page.getByLabel('Start date')).toHaveValue(/^\d{4}-\d{2}-\d{2}$/);
    await expect(page.getByLabel('End date')).toHaveValue(/^\d{4}-\d{2}-\d{2}$/);
    await expect(page.getByText(/^[\d,]+\+? events?$/)).toBeVisible();
    await expectAccessible(page);

    // The example the page shows; the query stays in the URL so the search can be shared.
    await page.getByLabel('Search', { exact: true }).fill('person@example.com AND delivery');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page).toHaveURL(/[?&]q=person%40example\.com\+AND\+delivery(&|$)/);
    await expect(table(page)).toBeVisible();
    // How the query was read is shown beside the count.
    await expect(page.getByText('where any field has "person@example.com" and any field has "delivery"')).toBeVisible();
    for (const recipient of await column(page, 5)) expect(recipient).toBe('person@example.com');
    await page.reload();
    await expect(page.getByLabel('Search', { exact: true })).toHaveValue('person@example.com AND delivery');

    // Sort by recipient; clicking again reverses.
    await page.getByLabel('Search', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await table(page).getByRole('link', { name: 'Recipient' }).click();
    await expect(page).toHaveURL(/[?&]sort=recipient(&|$)/);
    await expect(table(page).getByRole('columnheader', { name: 'Recipient' })).toHaveAttribute('aria-sort', 'ascending');
    const ascending = await column(page, 5);
    expect(ascending.length).toBeGreaterThan(0);
    await table(page).getByRole('link', { name: 'Recipient' }).click();
    await expect(page).toHaveURL(/[?&]dir=desc(&|$)/);
    await expect(table(page).getByRole('columnheader', { name: 'Recipient' })).toHaveAttribute('aria-sort', 'descending');
    // The database's collation decides the exact order; the two ends of the list must differ.
    const descending = await column(page, 5);
    expect(descending[0]).not.toBe(ascending[0]);

    // Expand a hard bounce: the diagnostics, with the explanation, are at the bottom of the detail view.
    await page.goto('/delivery-events?q=code%3A5.1.1');
    const caret = table(page).getByRole('button', { name: /^Details for .+ to .+$/ }).first();
    await expect(caret).toHaveAttribute('aria-expanded', 'false');
    await caret.click();
    await expect(caret).toHaveAttribute('aria-expanded', 'true');
    const diagnostics = table(page).getByRole('region', { name: /^Bounce diagnostics for / }).first();
    await expect(diagnostics).toBeVisible();
    await expect(diagnostics).toContainText('Bad destination mailbox address');
    await expect(diagnostics).toContainText(/550 5\.1\.1 .*User unknown/);
    // In plain words: what happened, whose side, whether it is retried, what to do.
    await expect(diagnostics).toContainText('The address does not exist at the recipient’s domain.');
    await expect(diagnostics).toContainText('The recipient’s side');
    await expect(diagnostics).toContainText('No: this is a final failure');
    await expect(diagnostics).toContainText('Check the address for typos');
    await expect(diagnostics.getByText('User unknown', { exact: true })).toBeVisible();
    await expectAccessible(page);
    await caret.click();
    await expect(caret).toHaveAttribute('aria-expanded', 'false');

    // A malformed query: a clear message, no server error.
    await page.getByLabel('Search', { exact: true }).fill('(bounced');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The search query could not be read' })).toContainText('This opening parenthesis is never closed (at character 1)');
    await expect(table(page)).toHaveCount(0);
    // Nothing to export while the search cannot run.
    await expect(page.getByRole('button', { name: 'Export CSV' })).toBeDisabled();
    await expect(page.getByRole('link', { name: 'Export CSV' })).toHaveCount(0);
    await expectAccessible(page);

    // Export CSV with the same search.
    await page.goto('/delivery-events?q=status%3Abounced');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^delivery-events-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = (await fs.readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '');
    const [header, ...lines] = text.trim().split(/\r?\n/);
    expect(header).toBe('Time (UTC),Message ID,Sender,Recipient,Event,Method,Route,TLS version,Certificate verified,Remote server,SMTP code,Enhanced code,Bounce class,Class given by the sender,Reason,What happened,Will it be retried?,Diagnostic,Source');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines.slice(0, 20)) expect(line).toContain(',bounced,');
  });

  test('the Route filter shows how each recipient’s copy travelled (NTA 7516)', async ({ page }) => {
    await signIn(page, 'manager@acme.example');
    await page.goto('/delivery-events');
    await expect(table(page).getByRole('columnheader', { name: 'Route' })).toBeVisible();
    await page.getByLabel('Route').selectOption({ label: 'Secure portal with SMS' });
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await expect(page).toHaveURL(/[?&]route=secure_portal_sms(&|$)/);
    await expect(page.getByLabel('Route')).toHaveValue('secure_portal_sms');
    // Column 8: Event, Method, then Route.
    const routes = await column(page, 8);
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes) expect(route).toBe('Secure portal with SMS');
    await expect(page.getByText(/route secure portal with SMS/)).toBeVisible();
    // The same as the search term.
    await page.goto('/delivery-events?q=route%3Aportal');
    for (const route of await column(page, 8)) expect(route).toBe('Secure portal');
    await expectAccessible(page);
  });
});
