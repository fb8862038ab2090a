import { expect, test } from '@playwright/test';
import { expectAccessible, signIn, signInToPortal } from './helpers';

// /recipients on the demo seed: Acme has written to pat@partner.example (no phone),
// dr.lee@cityclinic.example and billing@insureco.example (with phones). These tests change them.
test.describe.configure({ mode: 'serial' });

test('a level 3 administrator sees recipients but no Edit or Delete', async ({ page }) => {
  await signIn(page, 'viewer@acme.example');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Recipients' }).click();
  await expect(page.getByRole('heading', { name: 'Recipients', level: 1 })).toBeVisible();
  const table = page.getByRole('table', { name: 'Recipients' });
  await expect(table.getByRole('cell', { name: 'billing@insureco.example', exact: true })).toBeVisible();
  await expect(table.getByRole('cell', { name: '+1 617 555 0188', exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: /^(Edit|Delete) / })).toHaveCount(0);
  await expectAccessible(page);
});

test('a manager searches on part of an address, edits a phone number and deletes a recipient', async ({ page }) => {
  await signIn(page, 'manager@acme.example');
  await page.goto('/recipients');
  const table = page.getByRole('table', { name: 'Recipients' });
  // Other specs may have written to more addresses; the seeded three are always there.
  await expect(table.getByRole('cell', { name: 'pat@partner.example', exact: true })).toBeVisible();
  await expectAccessible(page);

  // Search as you type on the middle of an address.
  await page.getByRole('searchbox', { name: 'Search recipients' }).fill('clinic');
  await expect(page).toHaveURL(/[?&]q=clinic/);
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByRole('cell', { name: 'dr.lee@cityclinic.example', exact: true })).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search recipients' }).fill('zzz-nobody');
  await expect(page.getByText('No recipient matches your search')).toBeVisible();
  await page.getByRole('searchbox', { name: 'Search recipients' }).fill('');
  await expect(table.getByRole('cell', { name: 'billing@insureco.example', exact: true })).toBeVisible();

  // Edit: an invalid number is refused inline and changes nothing; a US number is stored and shown.
  await page.getByRole('button', { name: 'Edit pat@partner.example' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit pat@partner.example' });
  await expect(dialog.getByText(/Include the country code/)).toBeVisible();
  await dialog.getByLabel('Phone number').fill('call me');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText('This is not a phone number.')).toBeVisible();
  await expect(dialog.getByLabel('Phone number')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
  await dialog.getByLabel('Phone number').fill('(617) 555-0142');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const pat = table.getByRole('row').filter({ hasText: 'pat@partner.example' });
  await expect(pat.getByRole('cell', { name: '+1 617 555 0142', exact: true })).toBeVisible();

  // Delete, after a confirmation that says the phone number goes too and the address comes back.
  await page.getByRole('button', { name: 'Delete billing@insureco.example' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Delete billing@insureco.example?' });
  await expect(confirm).toContainText('phone number is deleted too');
  await expect(confirm).toContainText('next time mail is sent to it');
  await expectAccessible(page);
  await confirm.getByRole('button', { name: 'Delete' }).click();
  await expect(confirm).toBeHidden();
  await expect(table.getByRole('cell', { name: 'billing@insureco.example', exact: true })).toHaveCount(0);

  // Leave pat without a phone, as seeded, so later SMS two-factor tests see the demo data.
  await page.getByRole('button', { name: 'Edit pat@partner.example' }).click();
  await dialog.getByLabel('Phone number').fill('');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(pat.getByRole('cell', { name: 'Missing phone', exact: true })).toBeVisible();
});

// Acme's SMS two-factor policy is on in the demo seed. A new address, first in the order of
// addresses (so the dashboard's short list shows it), and not Pat, whose inbox other specs read.
test('a recipient without a phone under the SMS policy: the sender is told, the administrators see it on the dashboard and in the "Missing phone" filter', async ({ page, browser }) => {
  const phoneless = `aa-nophone-${Date.now().toString(36)}@partner.example`;
  await signInToPortal(page, 'alice@acme.example');
  await page.goto('/secure/compose');
  await page.getByLabel('To', { exact: true }).fill(phoneless);
  await page.getByLabel('Subject').fill('Lab results');
  await page.getByLabel('Message').fill('Attached below.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByRole('dialog', { name: 'Send this message?' }).getByRole('button', { name: 'Send message' }).click();
  await expect(page).toHaveURL(/\/secure\/sent$/);
  await expect(page.getByText(`${phoneless} has no phone number for SMS two-factor; ask an administrator to add one.`)).toBeVisible();
  await expectAccessible(page);

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, 'manager@acme.example');
  const notice = admin.getByRole('status').filter({ hasText: 'Recipients without a phone number for SMS two-factor' });
  await expect(notice).toContainText(phoneless);
  await notice.getByRole('link', { name: 'Add their phone numbers' }).click();
  await expect(admin).toHaveURL(/\/recipients\?phone=missing$/);
  await expect(admin.getByRole('navigation', { name: 'Filter recipients' }).getByRole('link', { name: 'Missing phone' })).toHaveAttribute('aria-current', 'page');
  const table = admin.getByRole('table', { name: 'Recipients' });
  const row = table.getByRole('row').filter({ hasText: phoneless });
  await expect(row.getByRole('cell', { name: 'Missing phone', exact: true })).toBeVisible();
  // Recipients with a phone are not listed.
  await expect(table.getByRole('cell', { name: 'dr.lee@cityclinic.example', exact: true })).toHaveCount(0);
  await expectAccessible(admin);
  await admin.getByRole('navigation', { name: 'Filter recipients' }).getByRole('link', { name: 'All' }).click();
  await expect(table.getByRole('cell', { name: 'dr.lee@cityclinic.example', exact: true })).toBeVisible();

  // A level 3 administrator, who cannot add numbers, is not asked to.
  const viewer = await (await browser.newContext()).newPage();
  await signIn(viewer, 'viewer@acme.example');
  await expect(viewer.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  await expect(viewer.getByText('Recipients without a phone number for SMS two-factor')).toHaveCount(0);
});
