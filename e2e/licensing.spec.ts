import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn } from './helpers';

// These tests change Acme's licenses and renewal, so they run in order after the other files.
test.describe.configure({ mode: 'serial' });

function csvFile(name: string, content: string | Buffer): string {
  const file = path.join(os.tmpdir(), `sealpost-${Date.now()}-${name}`);
  fs.writeFileSync(file, content);
  return file;
}

function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

async function openAdd(page: Page, tab: 'Manual' | 'CSV') {
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add licensed email addresses' });
  // Ready to type the first address at once.
  await expect(dialog.getByLabel('Address 1, the part before the @')).toBeFocused();
  await dialog.getByRole('tab', { name: tab }).click();
  return dialog;
}

test('47 of 47 used: a CSV of 3 new addresses is bought by check at the 50–99 tier, printed, and listed', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Licensed emails' }).click();
  await expect(page.getByText('47 of 47 licenses used')).toBeVisible();
  await expectAccessible(page);

  const dialog = await openAdd(page, 'CSV');
  await expectAccessible(page);
  const file = csvFile(
    'three.csv',
    '\uFEFF"Email"\r\n" dana.new@acme.example "\r\n"eli.new@acme.example"\r\nfay.new@acme.example\r\n"someone@elsewhere.example"\r\n"eli.new@acme.example"\r\n',
  );
  await dialog.getByLabel('CSV file').setInputFiles(file);
  await dialog.getByRole('button', { name: 'Upload' }).click();
  await expect(dialog.getByText('You need 3 more licenses')).toBeVisible();
  const problems = dialog.getByRole('table', { name: 'Lines that cannot be added' });
  const outside = problems.getByRole('row').filter({ hasText: 'someone@elsewhere.example' });
  await expect(outside.getByRole('cell').first()).toHaveText('5');
  await expect(outside.getByRole('cell').nth(1)).toHaveText(/^"someone@elsewhere\.example" is not in your organisation's domains/);
  const duplicate = problems.getByRole('row').filter({ hasText: 'is a duplicate of line 3' });
  await expect(duplicate.getByRole('cell').first()).toHaveText('6');
  await expect(problems).not.toContainText('Line 5');
  await dialog.getByRole('button', { name: 'Buy licenses' }).click();

  await expect(page).toHaveURL(/\/checkout\/[0-9a-f-]{36}$/);
  await expect(page.getByText('3 licenses at $27.00 per year (50–99 tier), prorated 25 of 365 days')).toBeVisible();
  await expect(page.getByText('dana.new@acme.example')).toBeVisible();
  // Another quantity is priced as it is typed; the order itself changes only on Continue.
  await page.getByLabel('Licenses', { exact: true }).fill('5');
  await expect(page.getByText('Priced for 5 licenses. The order is updated when you continue.')).toBeVisible();
  await expect(page.getByText('5 licenses at $27.00 per year (50–99 tier), prorated 25 of 365 days')).toBeVisible();
  await expect(page.getByText('5 × $27.00 × 25 / 365 days, rounded to the cent')).toBeVisible();
  await page.getByLabel('Licenses', { exact: true }).fill('3');
  await expect(page.getByText(/Priced for/)).toHaveCount(0);
  await expect(page.getByText('3 licenses at $27.00 per year (50–99 tier), prorated 25 of 365 days')).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Purchase order number (optional)').fill('PO-ACME-3321');
  await page.getByLabel('Check (mail payment)').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/check$/);
  await expect(page.getByText('Net 30')).toBeVisible();
  await expectAccessible(page);

  const popup = page.waitForEvent('popup');
  await page.getByRole('button', { name: 'Confirm & print' }).click();
  const print = await popup;
  await print.waitForURL(/\/invoices\/[0-9a-f-]{36}\/print/);
  await expect(print.getByRole('heading', { name: 'Invoice' })).toBeVisible();
  await expect(print.getByText('PO-ACME-3321')).toBeVisible();
  await print.screenshot({ path: 'test-results/invoice-print.png', fullPage: true });
  await print.close();

  await expect(page).toHaveURL(/\/licensed-emails\?invoice=/);
  // By check the invoice is still to be paid: the page says so, not "payment received".
  await expect(page.getByText(/Licenses granted — invoice \d+ is due \d{1,2} \w{3} \d{4}/)).toBeVisible();
  await expect(page.getByText(/Mail a check for \$\d+\.\d{2} by the due date/)).toBeVisible();
  await expect(page.getByText(/Payment received/)).toHaveCount(0);
  await expect(page.getByText('50 of 50 licenses used')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'dana.new@acme.example', exact: true })).toBeVisible();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Save the invoice as a PDF' }).click()]);
  const pdf = path.join(os.tmpdir(), `invoice-${Date.now()}.pdf`);
  await download.saveAs(pdf);
  const text = pdfText(pdf);
  expect(text).toContain('PO-ACME-3321');
  expect(text).toMatch(/\$\d+\.\d{2}/);
  expect(text).toContain('dana.new@acme.example');
  expect(text).toContain('Acme Health');

  await page.goto('/dashboard');
  await expect(page.getByText('50 of 50 used')).toBeVisible();
  await expect(page.getByText(/3 emails added, 3 licenses bought by check, invoice \d+, \$\d+\.\d{2}/)).toBeVisible();
});

test('the card path refuses 4000 0000 0000 0002 and pays with 4242 4242 4242 4242', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/licensed-emails');
  const dialog = await openAdd(page, 'Manual');
  await dialog.getByLabel('Address 1, the part before the @').fill('gus.card');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText('You need 1 more license')).toBeVisible();
  await dialog.getByLabel('Licenses to buy (at least 1)').fill('2');
  await dialog.getByRole('button', { name: 'Buy licenses' }).click();
  await expect(page).toHaveURL(/\/checkout\//);
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/card$/);
  await expect(page.getByText('Test mode')).toBeVisible();
  // Pre-filled from the administrator's address.
  await expect(page.getByLabel('Address line 1')).toHaveValue('200 Harbor Way');
  await expectAccessible(page);

  await page.getByLabel('Card number').fill('4000 0000 0000 0002');
  await page.getByLabel('Expiry (MM/YY)').fill('12/34');
  await page.getByLabel('Security code').fill('123');
  await page.getByRole('button', { name: 'Pay now' }).click();
  await expect(page.getByText('Your card was declined.')).toBeVisible();
  await page.goto('/licensed-emails');
  await expect(page.getByText('50 of 50 licenses used')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'gus.card@acme.example', exact: true })).toHaveCount(0);

  await page.goBack();
  // A full page load: Pay now is enabled once the form has hydrated (typing before it would be lost).
  await expect(page.getByRole('button', { name: 'Pay now' })).toBeEnabled();
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await page.getByLabel('Expiry (MM/YY)').fill('12/34');
  await page.getByLabel('Security code').fill('123');
  await page.getByRole('button', { name: 'Pay now' }).click();
  await expect(page).toHaveURL(/\/licensed-emails\?invoice=/);
  await expect(page.getByText(/Payment received — invoice \d+/)).toBeVisible();
  await expect(page.getByText('51 of 52 licenses used')).toBeVisible();
  await expect(page.getByRole('cell', { name: 'gus.card@acme.example', exact: true })).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invoices' }).click();
  await expect(page.getByRole('table', { name: 'Invoices' }).getByRole('row')).not.toHaveCount(1);
  await expectAccessible(page);
});

test('a level 2 administrator adds within the licenses available and is sent to level 1 to buy more', async ({ page }) => {
  await signIn(page, 'manager@acme.example');
  await page.goto('/licensed-emails');
  const dialog = await openAdd(page, 'Manual');
  await dialog.getByLabel('Address 1, the part before the @').fill('hana.manager');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('52 of 52 licenses used')).toBeVisible();

  const again = await openAdd(page, 'Manual');
  await again.getByLabel('Address 1, the part before the @').fill('ivan.manager');
  await again.getByRole('button', { name: 'Add', exact: true }).click();
  await again.getByLabel('Address 2, the part before the @').fill('hana.manager');
  await again.getByRole('button', { name: 'Save' }).click();
  await expect(again.getByText('This address is already licensed.')).toBeVisible();
  await again.getByRole('button', { name: 'Remove address 2' }).click();
  await again.getByRole('button', { name: 'Save' }).click();
  await expect(again.getByText('Ask a level 1 administrator to buy more licenses')).toBeVisible();
  await expect(again.getByRole('button', { name: 'Buy licenses' })).toHaveCount(0);
});

test('bad CSV files get a clear report and change nothing', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/licensed-emails');
  const dialog = await openAdd(page, 'CSV');
  await dialog.getByLabel('CSV file').setInputFiles(csvFile('wrong.csv', 'Address\nx@acme.example\n'));
  await dialog.getByRole('button', { name: 'Upload' }).click();
  await expect(dialog.getByText('Nothing to add')).toBeVisible();
  await expect(dialog.getByRole('table', { name: 'Lines that cannot be added' })).toContainText('Email');

  await dialog.getByLabel('CSV file').setInputFiles(csvFile('binary.csv', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37) % 256))));
  await dialog.getByRole('button', { name: 'Upload' }).click();
  await expect(dialog.getByText('does not look like a CSV text file')).toBeVisible();

  await dialog.getByLabel('CSV file').setInputFiles(csvFile('empty.csv', ''));
  await dialog.getByRole('button', { name: 'Upload' }).click();
  await expect(dialog.getByText('The file is empty.')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByText('52 of 52 licenses used')).toBeVisible();
});

test('search, sort, rename, remove and export', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/licensed-emails');
  await page.getByRole('searchbox', { name: 'Search licensed addresses' }).fill('new.acme');
  await expect(page).toHaveURL(/q=new\.acme/);
  await page.getByRole('searchbox', { name: 'Search licensed addresses' }).fill('.new@');
  await expect(page.getByText('3 addresses match “.new@”')).toBeVisible();

  await page.getByRole('link', { name: /Email address/ }).click();
  await expect(page).toHaveURL(/sort=email&dir=asc/);
  await expect(page.getByRole('row').nth(1)).toContainText('dana.new@acme.example');
  await page.getByRole('link', { name: /Email address/ }).click();
  await expect(page.getByRole('row').nth(1)).toContainText('fay.new@acme.example');

  await page.getByRole('button', { name: 'Edit fay.new@acme.example' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit fay.new@acme.example' });
  await edit.getByLabel('The part before the @').fill('fay.renamed');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await page.goto('/licensed-emails?q=fay');
  await expect(page.getByRole('cell', { name: 'fay.renamed@acme.example', exact: true })).toBeVisible();

  await page.getByRole('button', { name: 'Remove fay.renamed@acme.example' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Remove fay.renamed@acme.example?' });
  await expect(confirm).toContainText('does not change');
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByText('51 of 52 licenses used')).toBeVisible();

  const exported = async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const file = path.join(os.tmpdir(), `export-${Date.now()}.csv`);
    await download.saveAs(file);
    return fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
  };
  // With a search, the export is what the search shows…
  await page.goto('/licensed-emails?q=.new%40');
  await expect(page.getByText('2 addresses match “.new@”')).toBeVisible();
  const matching = await exported();
  expect(matching[0]).toBe('Email');
  expect(matching.slice(1).sort()).toEqual(['dana.new@acme.example', 'eli.new@acme.example']);
  // … and without one, every address.
  await page.goto('/licensed-emails');
  const lines = await exported();
  expect(lines[0]).toBe('Email');
  expect(lines).toHaveLength(52);
  expect(lines).toContain('dana.new@acme.example');
});

test('a read-only administrator sees licenses, invoices and renewals but is offered no change', async ({ page }) => {
  await signIn(page, 'viewer@acme.example');
  // The dashboard offers no Renew it could not carry out; the renewal can still be looked at.
  await expect(page.getByText('Renewal due')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Renew', exact: true })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Renewal details' })).toHaveAttribute('href', '/renewals');
  await page.goto('/licensed-emails');
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^(Edit|Remove) / })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Export CSV' })).toBeVisible();
  await page.goto('/renewals');
  await expect(page.getByText('Only level 1 administrators can renew')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Renew now' })).toHaveCount(0);
  await expectAccessible(page);
  await page.goto('/invoices');
  await expect(page.getByRole('heading', { name: 'Invoices', level: 1 })).toBeVisible();
  // An id that is not a UUID is not found like any unknown one, never a server error: 36 hyphens
  // once passed a loose check and reached PostgreSQL, which refused them (a 500).
  const malformed = '-'.repeat(36);
  for (const url of [`/invoices/${malformed}`, `/invoices/${malformed}/print`, `/invoices/${malformed}/pdf`, `/checkout/${malformed}/complete`]) {
    expect((await page.request.get(url)).status(), url).toBe(404);
  }
  // The confirmation banner's ?invoice= is ignored when it names no invoice.
  for (const url of [`/renewals?invoice=${malformed}`, `/licensed-emails?invoice=${malformed}`]) {
    expect((await page.request.get(url)).status(), url).toBe(200);
  }
});

test('renewal from the dashboard Renew link extends the term by one year', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.getByRole('link', { name: 'Renew', exact: true }).click();
  await expect(page).toHaveURL(/\/renewals$/);
  await expect(page.getByText('Your renewal is open')).toBeVisible();
  await expect(page.getByText('Renewal: 52 licenses at $27.00 per year (50–99 tier)')).toBeVisible();
  await expectAccessible(page);
  const before = await page.getByRole('heading', { name: 'Renewals' }).locator('..').getByText(/Current term/).textContent();
  await page.getByRole('button', { name: 'Renew now' }).click();
  await expect(page).toHaveURL(/\/checkout\//);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await page.getByLabel('Expiry (MM/YY)').fill('12/34');
  await page.getByLabel('Security code').fill('123');
  await page.getByRole('button', { name: 'Pay now' }).click();
  await expect(page).toHaveURL(/\/renewals\?invoice=/);
  await expect(page.getByText(/Renewed — invoice \d+/)).toBeVisible();
  const after = await page.getByRole('heading', { name: 'Renewals' }).locator('..').getByText(/Current term/).textContent();
  expect(after).not.toBe(before);
  const year = Number(/(\d{4})$/.exec(before ?? '')?.[1]);
  expect(after).toMatch(new RegExp(`${year + 1}$`));
  await page.goto('/dashboard');
  await expect(page.getByRole('link', { name: 'Renew', exact: true })).toHaveCount(0);
  // Paid ahead of the renewal date: the term in force still ends on the old date.
  await expect(page.getByText(/^Current term ends \d{1,2} \w{3} \d{4}; renewed to \d{1,2} \w{3} \d{4}\.$/)).toBeVisible();
});
