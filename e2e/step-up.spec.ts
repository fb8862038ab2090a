import { expect, test, type Page } from '@playwright/test';
import postgres from 'postgres';
import {
  authenticatorCode,
  choosePasswordOnInvitation,
  createOrganisationAndOwner,
  DEMO_PASSWORD,
  enrolAuthenticator,
  enterAuthenticatorCode,
  expectAccessible,
  openLinkFromOutbox,
  signIn,
} from './helpers';

/**
 * Step-up in the browser. The 10-minute boundary itself is tested in lib/auth/step-up.db.test.ts
 * with fixed times; here a session is made older the honest way: its authentication record (what
 * the server reads) is moved 11 minutes back in the database.
 */
async function ageSession(email: string) {
  const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
  const [moved] = await sql<{ amr: string[] }[]>`
    update administrator_session_authentications set authenticated_at = now() - interval '11 minutes'
    where session_id = (
      select s.session_id from administrator_session_authentications s join administrators a on a.id = s.administrator_id
      where a.email = ${email} order by s.signed_in_at desc limit 1)
    returning amr`;
  await sql.end();
  expect(moved).toBeDefined();
}

async function auditMetadata(action: string, targetLabel: string) {
  const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
  const [row] = await sql<{ metadata: { stepUp?: { amr: string[]; at: string } } }[]>`
    select metadata from audit_events where action = ${action} and target_label = ${targetLabel} order by id desc limit 1`;
  await sql.end();
  return row?.metadata;
}

// Long flows (a new organisation, enrolment, a second browser) on a shared machine.
test.describe.configure({ timeout: 420_000 });

function stepUpDialog(page: Page) {
  return page.getByRole('dialog', { name: 'Confirm it’s you' });
}

test('an administrator without a second factor confirms with the password; the form keeps its input and the change records it', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await expect(page).toHaveURL(/\/dashboard$/);
  await ageSession('owner@acme.example');

  await page.goto('/settings/api-keys');
  await page.getByRole('button', { name: 'Create key' }).click();
  const create = page.getByRole('dialog', { name: 'Create API key' });
  await create.getByLabel('Name').fill('Step-up billing export');
  await create.getByRole('button', { name: 'Create key' }).click();

  // The change waits for the password; a wrong one is refused in the dialog.
  const confirm = stepUpDialog(page);
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText('This change needs your password.');
  await expectAccessible(page);
  await confirm.getByLabel('Password', { exact: true }).fill('not-the-password');
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(confirm.getByText('That password is not correct.')).toBeVisible();
  await confirm.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(confirm).toBeHidden();

  // Then the same request again, with what was typed: the key exists under that name.
  await expect(page.getByRole('dialog', { name: 'Your new API key' })).toBeVisible();
  await expect(page.getByText('API key “Step-up billing export”')).toBeVisible();
  const metadata = await auditMetadata('api_keys.created', 'Step-up billing export');
  expect(metadata?.stepUp?.amr).toEqual(['pwd']);
  expect(Number.isNaN(Date.parse(metadata?.stepUp?.at ?? ''))).toBe(false);
  await page.getByRole('button', { name: 'Done' }).click();

  // Within 10 minutes of confirming, nothing more is asked.
  await page.getByRole('button', { name: /Revoke.*Step-up billing export/ }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(stepUpDialog(page)).toHaveCount(0);
  await expect(page.getByRole('alertdialog')).toBeHidden();

  // Cancelled, nothing changes, and the refused dialog says so.
  await ageSession('owner@acme.example');
  await page.getByRole('button', { name: 'Create key' }).click();
  await create.getByLabel('Name').fill('Never created');
  await create.getByRole('button', { name: 'Create key' }).click();
  await expect(confirm).toBeVisible();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(create.getByText('Nothing was changed: confirm it’s you to make this change.')).toBeVisible();
  await expect(create.getByLabel('Name')).toHaveValue('Never created');
});

test('with an authenticator app: the code steps up; level 1 resets another administrator’s two-factor authentication, who enrols again', async ({ page, browser }) => {
  const password = 'Quartz-Meadow-Signal-8';
  const { email: ownerEmail } = await createOrganisationAndOwner(page, password);
  await signIn(page, ownerEmail, password);
  await enrolAuthenticator(page);
  await page.getByRole('link', { name: 'I have saved them — continue' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);

  // Invite a second administrator, asked for a code once the session is older than 10 minutes.
  const domain = ownerEmail.split('@')[1];
  const email = `second@${domain}`;
  await ageSession(ownerEmail);
  await page.goto('/administrators');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const add = page.getByRole('dialog', { name: 'Add administrator' });
  await add.getByLabel('Name').fill('Sam Second');
  await add.getByLabel('Email address').fill(email);
  await add.getByLabel('Level').selectOption({ label: 'Level 2 — General administration' });
  await add.getByRole('button', { name: 'Send invitation' }).click();
  const confirm = stepUpDialog(page);
  await expect(confirm).toContainText('Enter a code from your authenticator app');
  const ownerSecret = await (async () => {
    // The owner's secret, as their authenticator app holds it.
    const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
    const [row] = await sql<{ secret: string }[]>`select totp_secret as secret from administrators where email = ${ownerEmail}`;
    await sql.end();
    return row.secret;
  })();
  await confirm.getByLabel('Authentication code').fill('000000');
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(confirm.getByText(/That code is not right/)).toBeVisible();
  await confirm.getByLabel('Authentication code').fill(await authenticatorCode(ownerSecret));
  await confirm.getByRole('button', { name: 'Confirm' }).click();
  await expect(confirm).toBeHidden();
  // (While the step-up dialog is open the form's dialog is hidden from the accessibility tree: wait for the result itself.)
  await expect(page.getByRole('table', { name: 'Pending invitations' }).getByRole('row').filter({ hasText: email })).toBeVisible();
  await expect(add).toBeHidden();
  expect((await auditMetadata('administrators.invited', email))?.stepUp?.amr).toEqual(['otp']);

  // The second administrator accepts, signs in and enrols (the organisation requires it).
  const theirs = await browser.newContext();
  const sam = await theirs.newPage();
  await openLinkFromOutbox(sam, email, '/accept-invitation/');
  await choosePasswordOnInvitation(sam, password);
  await signIn(sam, email, password);
  await enrolAuthenticator(sam);
  await sam.getByRole('link', { name: 'I have saved them — continue' }).click();
  await expect(sam).toHaveURL(/\/dashboard$/);

  // The owner resets it (confirmation; the step-up above is still fresh).
  await page.reload();
  const row = page.getByRole('row').filter({ hasText: email });
  await row.getByRole('button', { name: 'Reset two-factor authentication of Sam Second' }).click();
  const reset = page.getByRole('alertdialog', { name: 'Reset two-factor authentication of Sam Second?' });
  await expect(reset).toContainText('they set it up again at their next sign-in');
  await expectAccessible(page);
  await reset.getByRole('button', { name: 'Reset two-factor authentication' }).click();
  await expect(page.getByText('Two-factor authentication of Sam Second was reset')).toBeVisible();
  await expect(row.getByRole('button', { name: 'Reset two-factor authentication of Sam Second' })).toHaveCount(0);
  expect((await auditMetadata('administrators.two_factor_reset', email))?.stepUp?.amr).toEqual(['otp']);

  // Sam's session has ended; the next sign-in is password, then enrolment again (no code step).
  await sam.goto('/dashboard');
  await expect(sam).toHaveURL(/\/login/);
  await signIn(sam, email, password);
  await expect(sam).toHaveURL(/\/two-factor$/);
  await expect(sam.getByText('Your organisation requires two-factor authentication.')).toBeVisible();
  await theirs.close();
});

test('the owner signed in with a code does not step up again for 10 minutes', async ({ page }) => {
  const password = 'Cobalt-Harbour-Lantern-3';
  const { email } = await createOrganisationAndOwner(page, password);
  await signIn(page, email, password);
  const { secret } = await enrolAuthenticator(page);
  await page.getByRole('link', { name: 'I have saved them — continue' }).click();
  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login\?notice=signed-out/);
  await signIn(page, email, password);
  await enterAuthenticatorCode(page, await authenticatorCode(secret));
  await expect(page).toHaveURL(/\/dashboard$/);

  await page.goto('/settings/api-keys');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByRole('dialog', { name: 'Create API key' }).getByLabel('Name').fill('Fresh sign-in');
  await page.getByRole('dialog', { name: 'Create API key' }).getByRole('button', { name: 'Create key' }).click();
  await expect(page.getByRole('dialog', { name: 'Your new API key' })).toBeVisible();
  await expect(stepUpDialog(page)).toHaveCount(0);
  expect((await auditMetadata('api_keys.created', 'Fresh sign-in'))?.stepUp?.amr).toEqual(['pwd', 'otp']);
});
