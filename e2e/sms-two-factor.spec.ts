import { expect, test } from '@playwright/test';
import { expectAccessible, signIn, signInToPortal } from './helpers';

// Acme's "No TLS, second factor" policy requires SMS two-factor for recipients with a phone.
test('after an administrator adds a phone, the recipient must enter the SMS code after the password', async ({ page, browser }) => {
  await signIn(page, 'manager@acme.example');
  await page.goto('/recipients?q=pat%40partner');
  await page.getByRole('button', { name: 'Edit pat@partner.example' }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit pat@partner.example' });
  await dialog.getByLabel('Phone number').fill('+1 617 555 0142');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();

  const patContext = await browser.newContext();
  const pat = await patContext.newPage();
  await signInToPortal(pat, 'pat@partner.example');
  await expect(pat).toHaveURL(/\/secure\/verify$/);
  await expect(pat.getByText(/We sent a 6-digit code by text message to \+1.*0142/)).toBeVisible();
  await expectAccessible(pat);
  // No session yet: the portal still asks to sign in.
  await pat.goto('/secure/inbox');
  await expect(pat).toHaveURL(/\/secure\/login/);
  await pat.goBack();

  // A wrong code is refused; the code from the SMS (in the demo outbox) signs in.
  await pat.goto('/secure/verify');
  await pat.getByLabel('Code').fill('000001');
  await pat.getByRole('button', { name: 'Verify' }).click();
  await expect(pat.getByText(/That code is not right/)).toBeVisible();
  const outbox = await patContext.newPage();
  await outbox.goto('/dev/outbox');
  const sms = outbox.getByRole('listitem').filter({ hasText: 'To: +16175550142' }).first();
  const code = /code is (\d{6})/.exec((await sms.textContent()) ?? '')?.[1] ?? '';
  expect(code).toMatch(/^\d{6}$/);
  await pat.getByLabel('Code').fill(code);
  await pat.getByRole('button', { name: 'Verify' }).click();
  await expect(pat).toHaveURL(/\/secure\/inbox$/);
  await patContext.close();

  // Clear the phone again: the password alone is enough once more.
  await page.getByRole('button', { name: 'Edit pat@partner.example' }).click();
  await dialog.getByLabel('Phone number').fill('');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const again = await browser.newContext();
  const pat2 = await again.newPage();
  await signInToPortal(pat2, 'pat@partner.example');
  await expect(pat2).toHaveURL(/\/secure\/inbox$/);
  await again.close();
});
