import { expect, test, type Page } from '@playwright/test';
import { authenticatorCode, createOrganisationAndOwner, enrolAuthenticator, enterAuthenticatorCode, expectAccessible, signIn } from './helpers';

async function signOut(page: Page) {
  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login\?notice=signed-out/);
}

test('a new organisation requires two-factor authentication: enrolment first, then a code at every sign-in', async ({ page }) => {
  // A whole organisation's first days: invitation, enrolment, several sign-ins with codes.
  test.slow();
  const password = 'Juniper-Signal-Harbor-4';
  const { email } = await createOrganisationAndOwner(page, password);

  // After the password, only enrolment: pages and routes are refused until then.
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/two-factor$/);
  await expect(page.getByText('Your organisation requires two-factor authentication.')).toBeVisible();
  await expectAccessible(page);
  for (const path of ['/dashboard', '/administrators', '/change-password']) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/two-factor$/);
  }
  const route = await page.request.get('/events/export');
  expect(route.status()).toBe(403);
  expect((await route.json()).error.message).toContain('requires two-factor authentication');

  // A wrong first code is refused; the right one turns it on and shows ten recovery codes once.
  const key = ((await page.getByLabel('Setup key').textContent()) ?? '').trim();
  await page.getByLabel('Code from the app').fill('000000');
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(page.getByText(/That code is not right/)).toBeVisible();
  const { secret, recoveryCodes } = await enrolAuthenticator(page);
  expect(secret).toBe(key);
  expect(recoveryCodes).toHaveLength(10);
  await expectAccessible(page);
  await page.getByRole('link', { name: 'I have saved them — continue' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  // The setting is on for this organisation.
  await page.goto('/administrators');
  await expect(page.getByText('Require two-factor authentication for administrators: On')).toBeVisible();

  // Next sign-in: password, then a code from the app.
  await signOut(page);
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/login\/code$/);
  await expectAccessible(page);
  await enterAuthenticatorCode(page, '123456');
  await expect(page.getByText(/That code is not right/)).toBeVisible();
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login/);
  await signIn(page, email, password);
  await enterAuthenticatorCode(page, await authenticatorCode(secret));
  await expect(page).toHaveURL(/\/dashboard$/);

  // A recovery code works once.
  await signOut(page);
  await signIn(page, email, password);
  await enterAuthenticatorCode(page, recoveryCodes[3]);
  await expect(page).toHaveURL(/\/dashboard$/);
  await signOut(page);
  await signIn(page, email, password);
  await enterAuthenticatorCode(page, recoveryCodes[3]);
  await expect(page.getByText(/That code is not right/)).toBeVisible();
  await enterAuthenticatorCode(page, recoveryCodes[4]);
  await expect(page).toHaveURL(/\/dashboard$/);

  // New recovery codes from the account menu replace the old ones.
  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('menuitem', { name: 'Two-factor authentication' }).click();
  await expect(page.getByText('8 of 10 recovery codes left.')).toBeVisible();
  await page.getByRole('button', { name: 'Generate new recovery codes' }).click();
  await page.getByRole('alertdialog', { name: 'Generate new recovery codes?' }).getByRole('button', { name: 'Generate' }).click();
  const fresh = (await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents()).map((c) => c.trim());
  expect(fresh).toHaveLength(10);
  await page.getByRole('link', { name: 'I have saved them — continue' }).click();
  await signOut(page);
  await signIn(page, email, password);
  await enterAuthenticatorCode(page, recoveryCodes[5]);
  await expect(page.getByText(/That code is not right/)).toBeVisible();
  await enterAuthenticatorCode(page, fresh[0]);
  await expect(page).toHaveURL(/\/dashboard$/);

  // Level 1 can stop requiring it (after a confirmation), and require it again.
  await page.goto('/administrators');
  await page.getByRole('button', { name: 'Stop requiring two-factor authentication' }).click();
  await page.getByRole('alertdialog', { name: 'Stop requiring two-factor authentication?' }).getByRole('button', { name: 'Stop requiring' }).click();
  await expect(page.getByText('Require two-factor authentication for administrators: Off')).toBeVisible();
  await page.getByRole('button', { name: 'Require two-factor authentication' }).click();
  await page.getByRole('alertdialog', { name: 'Require two-factor authentication for administrators?' }).getByRole('button', { name: 'Require' }).click();
  await expect(page.getByText('Require two-factor authentication for administrators: On')).toBeVisible();
});

test('the demo organisation does not require it: owner@acme.example signs in with the demo password alone', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await expect(page).toHaveURL(/\/dashboard$/);
  await page.goto('/administrators');
  await expect(page.getByText('Require two-factor authentication for administrators: Off')).toBeVisible();
});
