import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

export const DEMO_PASSWORD = 'Sealpost-Demo-2026!';

/** The sign-in form asks for the email first ("Next"), then the password. */
export async function enterEmailAndPassword(page: Page, email: string, password: string) {
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Password', { exact: true }).fill(password);
}

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto('/login');
  await enterEmailAndPassword(page, email, password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // Wait until the sign-in is decided: we leave /login, or the form shows a refusal.
  // Leaving /login, or reaching its code step (a second factor).
  const left = page.waitForURL((url) => !url.pathname.startsWith('/login') || url.pathname === '/login/code', { timeout: 20_000 }).then(
    () => true,
    () => false,
  );
  const refused = page
    .locator('form [role="status"]')
    .first()
    .waitFor({ timeout: 20_000 })
    .then(
      () => true,
      () => false,
    );
  await Promise.race([left, refused]);
}

export async function signInToPortal(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto('/secure/login');
  await enterEmailAndPassword(page, email, password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await Promise.race([
    page.waitForURL((url) => !url.pathname.startsWith('/secure/login'), { timeout: 20_000 }).then(
      () => true,
      () => false,
    ),
    page
      .locator('form [role="status"]')
      .first()
      .waitFor({ timeout: 20_000 })
      .then(
        () => true,
        () => false,
      ),
  ]);
}

export async function expectAccessible(page: Page) {
  // After a client-side navigation Next.js commits the new page a few milliseconds before its
  // <title> (metadata sits in its own Suspense boundary); check the page once it has settled. A
  // page without a title still fails here.
  await expect(page).toHaveTitle(/\S/);
  // Sandboxed message frames run no scripts, so axe cannot enter them; their content is checked by
  // the sanitiser's tests instead.
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .options({ iframes: false })
    .setLegacyMode()
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(summary).toEqual([]);
}

/**
 * Creates an organisation with the operators' command, as production does: its owner is invited
 * and, with no mail transport configured, the command prints the invitation link. Returns the
 * link's path (the command's APP_URL may not be this server's).
 */
export function createOrganisationWithCli() {
  const domain = `e2e${randomBytes(3).toString('hex')}.example`;
  const email = `admin@${domain}`;
  // --import: the script's modules `import 'server-only'` (scripts/server-only.mjs).
  const output = execFileSync('npx', ['tsx', '--import', './scripts/server-only.mjs', 'scripts/create-org.ts', '--name', `E2E ${domain}`, '--domain', domain, '--owner-email', email, '--owner-name', 'Erin Example'], {
    env: { ...process.env, DATABASE_URL: process.env.E2E_DATABASE_URL },
    stdio: 'pipe',
    encoding: 'utf8',
  });
  const link = output.match(/https?:\/\/\S+(\/accept-invitation\/[A-Za-z0-9_-]{43})/);
  if (!link) throw new Error(`org:create printed no invitation link:\n${output}`);
  return { domain, email, invitationPath: link[1] };
}

/** On an invitation page: chooses the password and lands on the sign-in page. */
export async function choosePasswordOnInvitation(page: Page, password: string) {
  await expect(page.getByRole('heading', { name: 'Accept your invitation' })).toBeVisible();
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Confirm new password').fill(password);
  await page.getByRole('button', { name: 'Set password' }).click();
  await expect(page).toHaveURL(/\/login\?notice=invitation-accepted/);
}

/** A new organisation's owner, invited by the command line, with `password` chosen through the link. */
export async function createOrganisationAndOwner(page: Page, password: string) {
  const created = createOrganisationWithCli();
  await page.goto(created.invitationPath);
  await choosePasswordOnInvitation(page, password);
  return created;
}

/** Follows the newest link to `path` mailed to `recipient`, as a user would from /dev/outbox. */
export async function openLinkFromOutbox(page: Page, recipient: string, pathPrefix: string) {
  await page.goto('/dev/outbox');
  const message = page.getByRole('listitem').filter({ hasText: `To: ${recipient}` }).first();
  await expect(message).toBeVisible();
  await message.getByRole('link', { name: new RegExp(pathPrefix) }).click();
}

/** The last time step each secret's code was used for here: the server accepts a code once. */
const lastStep = new Map<string, number>();

/** The current code of an authenticator app holding `secret` (otplib, as the app computes it), waiting for a fresh step if this one was used. */
export async function authenticatorCode(secret: string): Promise<string> {
  const { generate } = await import('otplib');
  let step = Math.floor(Date.now() / 30_000);
  if ((lastStep.get(secret) ?? -1) >= step) {
    await new Promise((resolve) => setTimeout(resolve, (step + 1) * 30_000 - Date.now() + 200));
    step = Math.floor(Date.now() / 30_000);
  }
  lastStep.set(secret, step);
  return generate({ secret, epoch: step * 30 });
}

/** On /two-factor: reads the key, confirms with a first code, and returns the key and the recovery codes shown once. */
export async function enrolAuthenticator(page: Page): Promise<{ secret: string; recoveryCodes: string[] }> {
  await expect(page.getByRole('heading', { name: 'Two-factor authentication' })).toBeVisible();
  await expect(page.getByRole('img', { name: 'QR code to add Sealpost to an authenticator app' })).toBeVisible();
  const secret = ((await page.getByLabel('Setup key').textContent()) ?? '').trim();
  await page.getByLabel('Code from the app').fill(await authenticatorCode(secret));
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  const list = page.getByRole('list', { name: 'Recovery codes' });
  await expect(list).toBeVisible();
  const recoveryCodes = (await list.getByRole('listitem').allTextContents()).map((c) => c.trim());
  return { secret, recoveryCodes };
}

/** The code step of a sign-in. */
export async function enterAuthenticatorCode(page: Page, code: string) {
  await expect(page).toHaveURL(/\/login\/code/);
  await page.getByLabel('Authentication code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

/** Writes a message in the composer's formatted-text editor: one paragraph per line (Enter between them), replacing what is there. */
export async function writeMessage(page: Page, lines: string[]) {
  const editor = page.getByLabel('Message');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  for (const [i, line] of lines.entries()) {
    if (i > 0) await page.keyboard.press('Enter');
    await page.keyboard.insertText(line);
  }
}
