import { expect, test, type CDPSession, type Page } from '@playwright/test';
import postgres from 'postgres';
import { createOrganisationAndOwner, expectAccessible, signIn } from './helpers';

/**
 * Passkeys and security keys with Chromium's virtual authenticators (CDP WebAuthn domain): real
 * WebAuthn ceremonies in the browser, real signatures checked by the server.
 */
type Authenticator = { cdp: CDPSession; authenticatorId: string };

async function addAuthenticator(page: Page, transport: 'usb' | 'internal' = 'usb'): Promise<Authenticator> {
  const cdp = await page.context().newCDPSession(page);
  // No browser dialog: the virtual authenticator answers by itself, and a request it cannot answer fails at once.
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport, hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login\?notice=signed-out/);
}

async function addPasskey(page: Page, name: string) {
  await page.getByLabel('Name (optional)').fill(name);
  await page.getByRole('button', { name: 'Add a passkey or security key' }).click();
}

async function signedInEvents(email: string) {
  const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
  try {
    return await sql<{ summary: string; metadata: { amr?: string[] } }[]>`select summary, metadata from audit_events where action = 'auth.signed_in' and actor_email = ${email} order by id`;
  } finally {
    await sql.end();
  }
}

test.use({ viewport: { width: 1440, height: 900 } });
// Each test creates an organisation with the command line and signs in several times: generous on a busy machine.
test.setTimeout(240_000);

test('an administrator adds passkeys, signs in with one after the password and without a password, renames and removes them; a removed one is refused', async ({ page }) => {
  const password = 'Lantern-Quartz-Meadow-7';
  const { email } = await createOrganisationAndOwner(page, password);
  const key = await addAuthenticator(page);

  // Before any passkey exists, "Sign in with a passkey" says clearly that none was used.
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByText(/No passkey was used/)).toBeVisible();

  // The organisation requires a second factor: a passkey is enrolment enough.
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/two-factor$/);
  await expect(page.getByText('No passkeys or security keys yet.')).toBeVisible();
  await addPasskey(page, 'YubiKey');
  const codes = page.getByRole('list', { name: 'Recovery codes' });
  await expect(codes).toBeVisible();
  expect(await codes.getByRole('listitem').count()).toBe(10);
  const list = page.getByRole('list', { name: 'Passkeys and security keys' });
  await expect(list.getByRole('listitem').filter({ hasText: 'YubiKey' })).toContainText('Never used');
  await expectAccessible(page);
  // The same authenticator twice is refused by the browser, and said so.
  await addPasskey(page, 'Again');
  await expect(page.getByText('This passkey or security key is already registered to your account.')).toBeVisible();
  await page.getByRole('link', { name: 'I have saved them — continue' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  // The second factor after the password.
  await signOut(page);
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/login\/code$/);
  await expect(page.getByText('Use your passkey or security key to finish signing in.')).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Use a passkey or security key' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  // Without a password: the passkey verifies its user.
  await signOut(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  // The sign-ins with a passkey (the first one, before it existed, was the password alone).
  const events = (await signedInEvents(email)).filter((e) => e.summary.includes('passkey'));
  expect(events.map((e) => e.summary)).toEqual([`${email} signed in with the passkey "YubiKey"`, `${email} signed in with the passkey "YubiKey" (no password)`]);
  expect(events[0].metadata.amr).toEqual(['pwd', 'hwk', 'user', 'mfa']);
  expect(events[1].metadata.amr).toEqual(['hwk', 'user', 'mfa']);
  // The authenticator's counter moved forward with each use.
  const { credentials } = await key.cdp.send('WebAuthn.getCredentials', { authenticatorId: key.authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].signCount).toBeGreaterThanOrEqual(2);

  // A second one, on another authenticator (the first is unplugged meanwhile).
  await key.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: key.authenticatorId });
  const laptop = await addAuthenticator(page, 'internal');
  await page.goto('/two-factor');
  await addPasskey(page, 'Laptop');
  await expect(list.getByRole('listitem')).toHaveCount(2);
  await expect(page.getByRole('list', { name: 'Recovery codes' })).toHaveCount(0);

  // Rename, then remove after a confirmation.
  await page.getByRole('button', { name: 'Rename Laptop' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename Laptop' });
  await rename.getByLabel('Name').fill('Work laptop');
  await rename.getByRole('button', { name: 'Save' }).click();
  await expect(list.getByRole('listitem').filter({ hasText: 'Work laptop' })).toBeVisible();
  await page.getByRole('button', { name: 'Remove YubiKey' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Remove YubiKey?' });
  await expectAccessible(page);
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list).not.toContainText('YubiKey');

  // The removed key, plugged in again, no longer signs in.
  await laptop.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: laptop.authenticatorId });
  const again = await addAuthenticator(page);
  await again.cdp.send('WebAuthn.addCredential', { authenticatorId: again.authenticatorId, credential: { ...credentials[0], signCount: credentials[0].signCount + 1 } });
  // Signed out (/two-factor has no account menu; the cookies are what matter).
  await page.context().clearCookies();
  await page.goto('/login');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByText('This passkey is not registered with Sealpost. Sign in with your email address and password.')).toBeVisible();
  await expect(page).toHaveURL(/\/login/);

  // An audit event for each change.
  const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
  const changes = await sql<{ summary: string }[]>`select summary from audit_events where actor_email = ${email} and action like 'auth.passkey_%' order by id`;
  await sql.end();
  expect(changes.map((c) => c.summary)).toEqual([
    `${email} added the passkey "YubiKey"`,
    `${email} added the passkey "Laptop"`,
    `${email} renamed the passkey "Laptop" to "Work laptop"`,
    `${email} removed the passkey "YubiKey"`,
  ]);
});

test('the passkey pages at phone width', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const password = 'Harbor-Violet-Signal-3';
  const { email } = await createOrganisationAndOwner(page, password);
  await addAuthenticator(page, 'internal');
  await signIn(page, email, password);
  await expect(page).toHaveURL(/\/two-factor$/);
  await addPasskey(page, 'Phone');
  await page.getByRole('link', { name: 'I have saved them — continue' }).click();
  await page.goto('/two-factor');
  await expect(page.getByRole('list', { name: 'Passkeys and security keys' }).getByRole('listitem')).toHaveCount(1);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await expectAccessible(page);
  await page.screenshot({ path: 'test-results/passkeys-phone.png', fullPage: true });
  // Signed out (the account menu sits in the phone's navigation; the cookies are what matter here).
  await page.context().clearCookies();
  await page.goto('/login');
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
});
