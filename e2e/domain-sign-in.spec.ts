import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import postgres from 'postgres';
import { startOidcProvider, TEST_CLIENT } from '../tests/servers/oidc-provider';
import { expectAccessible, signIn } from './helpers';

/**
 * Domain sign-in against a real OpenID Provider (oidc-provider) started here: an owner sets it up
 * for Acme, then alice@acme.example signs into the secure portal and owner@acme.example into the
 * administration portal through it; a refusal comes back to the sign-in page with its reason.
 */
let provider: Awaited<ReturnType<typeof startOidcProvider>>;

test.beforeAll(async ({ baseURL }) => {
  provider = await startOidcProvider({ redirectUri: `${baseURL}/api/auth/sso/callback` });
});

test.afterAll(async () => {
  // Whatever happened above, the other specs sign in with passwords.
  const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1, onnotice: () => {} });
  await sql`delete from identity_providers where org_id in (select org_id from domains where domain = 'acme.example')`;
  await sql`delete from domain_identities where org_id in (select org_id from domains where domain = 'acme.example')`;
  await sql.end();
  await provider.stop();
});

/** The provider's own login page: any password for the address given. */
async function signInAtTheProvider(page: Page, login: string) {
  await page.waitForURL((url) => url.href.startsWith(provider.issuer));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('anything');
  await page.locator('button[type="submit"]').click();
}

async function hasSignInErrorCookie(context: BrowserContext) {
  return (await context.cookies()).some((cookie) => cookie.name === 'sp_sign_in_error');
}

async function chooseDomain(browser: Browser, loginPath: string, email: string, providerLogin = email) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await chooseDomainOn(page, loginPath, email, providerLogin);
  return { context, page };
}

async function chooseDomainOn(page: Page, loginPath: string, email: string, providerLogin = email) {
  await page.goto(loginPath);
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByRole('button', { name: 'Cloud' })).toBeVisible();
  await page.getByRole('button', { name: 'Domain' }).click();
  await signInAtTheProvider(page, providerLogin);
}

test.describe.serial('Domain sign-in', () => {
  test('a level 1 administrator sets up the identity provider, tests it and saves it', async ({ page }) => {
    await signIn(page, 'owner@acme.example');
    await page.getByRole('link', { name: 'Domain sign-in' }).click();
    await expect(page.getByRole('heading', { name: 'Domain sign-in' })).toBeVisible();
    await expect(page.getByText('/api/auth/sso/callback')).toBeVisible();
    await expectAccessible(page);

    await page.getByLabel('Issuer URL').fill(provider.issuer);
    await page.getByLabel('Client ID').fill(TEST_CLIENT.clientId);
    await page.getByLabel('Client secret').fill(TEST_CLIENT.clientSecret);
    await expect(page.getByLabel('acme.example')).toBeChecked();
    await page.getByRole('button', { name: 'Test connection' }).click();
    const answer = page.getByRole('status').filter({ hasText: 'The provider answered' });
    await expect(answer).toContainText(`${provider.issuer}/auth`);
    await expect(answer).toContainText('supported');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Domain sign-in is on')).toBeVisible();
    await expect(page.getByText('Last changed')).toBeVisible();
    await expect(page.getByLabel('Client secret')).toHaveValue('');
    await page.screenshot({ path: 'test-results/domain-sign-in-settings.png', fullPage: true });

    await page.goto('/events');
    await expect(page.getByText('set up Domain sign-in with')).toBeVisible();
  });

  test('alice@acme.example signs into the secure portal through the provider', async ({ browser }) => {
    const { context, page } = await chooseDomain(browser, '/secure/login', 'alice@acme.example');
    await page.waitForURL('**/secure/inbox');
    await expect(page.getByRole('heading', { name: 'Inbox', level: 1 })).toBeVisible();
    await context.close();
  });

  test('owner@acme.example signs into the administration portal through the provider', async ({ browser }) => {
    const { context, page } = await chooseDomain(browser, '/login', 'owner@acme.example');
    await page.waitForURL('**/dashboard');
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    await context.close();
  });

  test('another identity with the same email is refused until a level 1 administrator unlinks the account', async ({ page, browser }) => {
    await chooseDomainOn(page, '/login', 'owner@acme.example');
    await page.waitForURL('**/dashboard');

    // Someone else at the provider who now has the owner's email (a recycled mailbox, say).
    const impostor = await chooseDomain(browser, '/login', 'owner@acme.example', 'owner@acme.example#someone-else');
    await impostor.page.waitForURL('**/login');
    await expect(impostor.page.getByText('signed you in as a different person than the one linked to owner@acme.example')).toBeVisible();
    await expectAccessible(impostor.page);
    await impostor.context.close();

    await page.goto('/administrators');
    const owner = page.getByRole('row').filter({ hasText: 'owner@acme.example' });
    await expect(owner).toContainText('Domain sign-in linked');
    await expectAccessible(page);
    await owner.getByRole('button', { name: 'Unlink Domain sign-in of Olivia Bennett' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Unlink', exact: true }).click();
    await expect(owner).not.toContainText('Domain sign-in linked');
    await page.goto('/events');
    await expect(page.getByText('unlinked the administrator account owner@acme.example').first()).toBeVisible();
    await expect(page.getByText('Domain sign-in refused: another identity').first()).toBeVisible();

    // The settings page unlinks any address of the organisation, internal users included.
    const manager = await chooseDomain(browser, '/login', 'manager@acme.example');
    await manager.page.waitForURL('**/dashboard');
    await manager.context.close();
    await page.goto('/settings/identity-provider');
    await page.getByLabel('Email address to unlink').fill('manager@acme.example');
    await page.getByRole('button', { name: 'Unlink', exact: true }).click();
    await expect(page.getByText('manager@acme.example is unlinked')).toBeVisible();
    await page.getByRole('button', { name: 'Unlink', exact: true }).click();
    await expect(page.getByText('Enter the email address of the account to unlink.')).toBeVisible();

    // A new issuer needs its own client secret: the stored one is never sent to it.
    await page.getByLabel('Issuer URL').fill('https://login.other.example');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('the stored secret is never sent to another issuer')).toBeVisible();
  });

  test('an unverified email and an address outside the organisation are sent back with the reason', async ({ browser }) => {
    const unverified = await chooseDomain(browser, '/login', 'owner@acme.example', 'unverified-owner@acme.example');
    await unverified.page.waitForURL('**/login');
    await expect(unverified.page.getByText('has not verified the email address unverified-owner@acme.example')).toBeVisible();
    await expectAccessible(unverified.page);
    // The reason is shown once: the page deletes the cookie that brought it, and a reload starts clean.
    await expect.poll(() => hasSignInErrorCookie(unverified.context)).toBe(false);
    await unverified.page.reload();
    await expect(unverified.page.getByRole('button', { name: 'Next' })).toBeVisible();
    await expect(unverified.page.getByText('has not verified the email address')).toHaveCount(0);
    await unverified.context.close();

    const stranger = await chooseDomain(browser, '/secure/login', 'alice@acme.example', 'mallory@evil.example');
    await stranger.page.waitForURL('**/secure/login');
    await expect(stranger.page.getByText('mallory@evil.example is not in a domain that signs in through this identity provider')).toBeVisible();
    await expect.poll(() => hasSignInErrorCookie(stranger.context)).toBe(false);
    await stranger.page.goto('/secure/login');
    await expect(stranger.page.getByRole('button', { name: 'Next' })).toBeVisible();
    await expect(stranger.page.getByText('mallory@evil.example')).toHaveCount(0);
    await stranger.context.close();
  });

  test('when it is required, administrators go straight to the provider', async ({ page, browser }) => {
    await chooseDomainOn(page, '/login', 'owner@acme.example');
    await page.waitForURL('**/dashboard');
    await page.goto('/settings/identity-provider');
    await page.getByLabel('Administrators').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByText('Domain sign-in settings saved')).toBeVisible();

    const context = await browser.newContext();
    const other = await context.newPage();
    await other.goto('/login');
    await other.getByLabel('Email address').fill('manager@acme.example');
    await other.getByRole('button', { name: 'Next' }).click();
    await signInAtTheProvider(other, 'manager@acme.example');
    await other.waitForURL('**/dashboard');
    await context.close();

    // Turning it off brings passwords back.
    await page.getByRole('button', { name: 'Turn off Domain sign-in' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Turn off', exact: true }).click();
    await expect(page.getByText('Domain sign-in is off')).toBeVisible();
  });
});
