import { expect, test } from '@playwright/test';
import { createOrganisationAndOwner, createOrganisationWithCli, DEMO_PASSWORD, enrolAuthenticator, enterAuthenticatorCode, enterEmailAndPassword, expectAccessible, openLinkFromOutbox, signIn } from './helpers';

test.describe('administrator sign-in', () => {
  test('the sign-in page is accessible and refuses a wrong password with a clear message', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByRole('heading', { name: 'Sign in to Sealpost' })).toBeVisible();
    await expectAccessible(page);
    await signIn(page, 'owner@acme.example', 'Not-The-Password-1!');
    await expect(page.getByText('Incorrect email address or password.')).toBeVisible();
    await expect(page).toHaveURL(/\/login/);
    // An unknown address gets exactly the same answer.
    await signIn(page, 'nobody@acme.example', 'Not-The-Password-1!');
    await expect(page.getByText('Incorrect email address or password.')).toBeVisible();
  });

  test('a page opened while signed out is the page shown after signing in', async ({ page }) => {
    await page.goto('/events?category=sign-in');
    await expect(page).toHaveURL(`/login?callbackUrl=${encodeURIComponent('/events?category=sign-in')}`);
    await enterEmailAndPassword(page, 'viewer@acme.example', DEMO_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page).toHaveURL('/events?category=sign-in');
    await expect(page.getByLabel('Type', { exact: true })).toHaveValue('sign-in');
  });

  test('an invalid email is refused on the form before anything is sent', async ({ page }) => {
    await page.goto('/login');
    await page.getByLabel('Email address').fill('not-an-email');
    await page.getByRole('button', { name: 'Next' }).click();
    await expect(page.getByText('Enter a valid email address')).toBeVisible();
    await expect(page.getByLabel('Email address')).toHaveAttribute('aria-invalid', 'true');
  });

  for (const account of [
    { email: 'owner@acme.example', name: 'Olivia Bennett', level: 'Level 1 · Full access' },
    { email: 'manager@acme.example', name: 'Marcus Reed', level: 'Level 2 · General administration' },
    { email: 'viewer@acme.example', name: 'Vera Lindqvist', level: 'Level 3 · Read-only' },
  ]) {
    test(`${account.email} signs in and sees the shell for their level`, async ({ page }) => {
      await signIn(page, account.email);
      await expect(page).toHaveURL(/\/dashboard$/);
      await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
      await expect(page.getByText('47 of 47 used')).toBeVisible();
      await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' })).toBeVisible();
      await expect(page.getByRole('button', { name: `Account menu for ${account.name}` })).toContainText(account.level);
      await expectAccessible(page);
      await page.screenshot({ path: `test-results/dashboard-${account.email.split('@')[0]}.png`, fullPage: true });
    });
  }

  test("Globex's owner sees only Globex", async ({ page }) => {
    await signIn(page, 'owner@globex.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByText('Globex').first()).toBeVisible();
    await expect(page.getByText('Acme Health')).toHaveCount(0);
    await expect(page.getByText('6 of 10 used')).toBeVisible();
  });

  test('signing out ends the session: the old cookie is refused on its next request', async ({ page, browser }) => {
    await signIn(page, 'viewer@acme.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    const stolen = await page.context().storageState();
    await page.getByRole('button', { name: /Account menu/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await expect(page).toHaveURL(/\/login\?notice=signed-out/);
    await expect(page.getByText('You have been signed out.')).toBeVisible();

    const replay = await browser.newContext({ storageState: stolen });
    const other = await replay.newPage();
    // Polling the session endpoint refreshes the token's timestamps but not its version.
    await other.request.get('/api/auth/session');
    await other.goto('/dashboard');
    await expect(other).toHaveURL(/\/login/);
    await replay.close();
  });

  test('pages need a session', async ({ page }) => {
    await page.goto('/dashboard');
    await expect(page).toHaveURL(/\/login/);
  });
});

test.describe('first sign-in and password changes', () => {
  test("a new organisation's first administrator chooses a password through the invitation printed by org:create", async ({ page }) => {
    const { email, invitationPath } = createOrganisationWithCli();
    await page.goto(invitationPath);
    await expect(page.getByRole('heading', { name: 'Accept your invitation' })).toBeVisible();
    await expect(page.getByText(`Choose your password; then sign in with ${email}.`)).toBeVisible();

    const rules = page.getByRole('list', { name: 'Password rules' });
    await page.getByLabel('New password', { exact: true }).fill('Password1!');
    await expect(rules.getByRole('listitem').filter({ hasText: 'Not a commonly used password' })).toHaveAttribute('data-met', 'false');
    await expect(rules.getByRole('listitem').filter({ hasText: 'An upper-case letter' })).toHaveAttribute('data-met', 'true');
    await expectAccessible(page);
    await page.getByLabel('New password', { exact: true }).fill('admin-Lighthouse-Tide-5');
    await expect(rules.getByRole('listitem').filter({ hasText: 'Does not contain the name from the email address' })).toHaveAttribute('data-met', 'false');
    await page.getByLabel('Confirm new password').fill('admin-Lighthouse-Tide-5');
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect(page.getByText('Do not use the name from the email address in the password.')).toBeVisible();

    const chosen = 'Lighthouse-Tide-Orbit-5';
    await page.getByLabel('New password', { exact: true }).fill(chosen);
    await page.getByLabel('Confirm new password').fill(chosen);
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect(page).toHaveURL(/\/login\?notice=invitation-accepted/);
    await expect(page.getByText('Your password is set.')).toBeVisible();

    // The link works once.
    await page.goto(invitationPath);
    await expect(page.getByText('This invitation was already accepted')).toBeVisible();

    // A new organisation requires two-factor authentication: enrolment comes first.
    await signIn(page, email, chosen);
    await expect(page).toHaveURL(/\/two-factor$/);
    await enrolAuthenticator(page);
    await page.getByRole('link', { name: 'I have saved them — continue' }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
  });

  test('changing the password ends the other sessions of the account', async ({ page, browser }) => {
    const first = 'Quartz-Meadow-Lantern-8';
    const { email } = await createOrganisationAndOwner(page, first);

    await signIn(page, email, first);
    const { recoveryCodes } = await enrolAuthenticator(page);
    await page.goto('/dashboard');
    await expect(page).toHaveURL(/\/dashboard$/);
    const otherContext = await browser.newContext();
    const other = await otherContext.newPage();
    await signIn(other, email, first);
    await enterAuthenticatorCode(other, recoveryCodes[0]);
    await expect(other).toHaveURL(/\/dashboard$/);

    await page.getByRole('button', { name: /Account menu/ }).click();
    await page.getByRole('menuitem', { name: 'Change password' }).click();
    await expect(page.getByRole('heading', { name: 'Change password' })).toBeVisible();
    await page.getByLabel('Current password').fill(first);
    await page.getByLabel('New password', { exact: true }).fill('Second-Harbor-Violet-9');
    await page.getByLabel('Confirm new password').fill('Second-Harbor-Violet-9');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect(page).toHaveURL(/\/login\?notice=password-changed/);

    await other.reload();
    await expect(other).toHaveURL(/\/login/);
    await otherContext.close();
  });

  test('reset by an emailed single-use link through /dev/outbox', async ({ page }) => {
    const { email } = await createOrganisationAndOwner(page, 'Initial-Setup-Pass-13!');
    await page.goto('/login');
    await page.getByRole('link', { name: 'Reset password' }).click();
    await expect(page).toHaveURL(/\/reset-password$/);
    await expectAccessible(page);
    await page.getByLabel('Email address').fill(email);
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect(page.getByText(`If an account exists for ${email}`)).toBeVisible();

    // The same answer for an address that has no account.
    await page.getByRole('button', { name: 'try again' }).click();
    await page.getByLabel('Email address').fill('nobody-at-all@example.org');
    await page.getByRole('button', { name: 'Send reset link' }).click();
    await expect(page.getByText('If an account exists for nobody-at-all@example.org')).toBeVisible();

    await openLinkFromOutbox(page, email, '/reset-password/');
    const resetUrl = page.url();
    await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
    await expectAccessible(page);
    await page.getByLabel('New password', { exact: true }).fill('Cobalt-River-Sunrise-3');
    await page.getByLabel('Confirm new password').fill('Cobalt-River-Sunrise-3');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await expect(page).toHaveURL(/\/login\?notice=password-reset/);

    // The link works once.
    await page.goto(resetUrl);
    await expect(page.getByText('This link cannot be used')).toBeVisible();

    await signIn(page, email, 'Cobalt-River-Sunrise-3');
    await expect(page).toHaveURL(/\/two-factor$/);
    await expectAccessible(page);
  });

  test('the outbox is accessible and lists sent mail', async ({ page }) => {
    await page.goto('/dev/outbox');
    await expect(page.getByRole('heading', { name: 'Outbox' })).toBeVisible();
    await expectAccessible(page);
  });

  test('the demo password still works for the owner after all this', async ({ page }) => {
    await signIn(page, 'owner@acme.example', DEMO_PASSWORD);
    await expect(page).toHaveURL(/\/dashboard$/);
  });
});

test.describe('narrow screens', () => {
  test.use({ viewport: { width: 390, height: 844 } });
  test('the navigation opens from the menu button on a phone', async ({ page }) => {
    await signIn(page, 'manager@acme.example');
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.getByRole('button', { name: 'Open navigation' }).click();
    const dialog = page.getByRole('dialog', { name: 'Navigation' });
    await expect(dialog.getByRole('link', { name: 'Dashboard' })).toBeVisible();
    await expectAccessible(page);
    await page.screenshot({ path: 'test-results/phone-navigation.png' });
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  });
});
