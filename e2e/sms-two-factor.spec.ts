import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn, signInToPortal } from './helpers';

/** The newest code texted to `phone`, read from the demo outbox as a recipient would read the SMS. */
async function codeFromOutbox(page: Page, phone: string): Promise<string> {
  await page.goto('/dev/outbox');
  const sms = page.getByRole('listitem').filter({ hasText: `To: ${phone}` }).first();
  const code = /code is (\d{6})/.exec((await sms.textContent()) ?? '')?.[1] ?? '';
  expect(code).toMatch(/^\d{6}$/);
  return code;
}

// Acme's "No TLS, second factor" policy requires SMS two-factor for recipients with a phone. The
// step is Acme's: it locks Acme's messages to Pat, with Acme's number for Pat, not Pat's sign-in.
test("after an administrator adds a phone, the recipient signs in with the password and enters the SMS code to open the organisation's messages", async ({ page, browser }) => {
  // Three browsers, the outbox and a dozen pages: more than the default minute on a busy machine.
  test.setTimeout(150_000);
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
  // The password is the sign-in: no code is asked for yet.
  await expect(pat).toHaveURL(/\/secure\/inbox$/);
  const inbox = pat.getByRole('list', { name: 'Inbox' });
  await expect(inbox.getByText('Locked: open it to enter the code sent by text message').first()).toBeVisible();
  await expect(inbox).not.toContainText('[secure]');
  await expectAccessible(pat);
  // Search does not read a locked message's words.
  await pat.goto('/secure/inbox?q=consent');
  await expect(pat.getByText('No message matches your search')).toBeVisible();

  // Opening one of Acme's messages asks for Acme's code, sent to the number Acme holds.
  await pat.goto('/secure/inbox');
  await inbox.getByRole('link').first().click();
  await expect(pat.getByRole('heading', { name: 'Enter your code to open this message' })).toBeVisible();
  await expect(pat.getByText(/Acme Health asks for a code sent by text message to \+1.*0142/)).toBeVisible();
  await expectAccessible(pat);
  const lockedUrl = pat.url();
  await pat.getByRole('button', { name: 'Text me a code' }).click();
  await expect(pat.getByText(/We sent a 6-digit code by text message to \+1.*0142/)).toBeVisible();

  // A wrong code is refused; the code from the SMS (in the demo outbox) opens the message.
  await pat.getByLabel('Code').fill('000001');
  await pat.getByRole('button', { name: 'Verify' }).click();
  await expect(pat.getByText(/That code is not right/)).toBeVisible();
  const outbox = await patContext.newPage();
  const code = await codeFromOutbox(outbox, '+16175550142');
  await pat.getByLabel('Code').fill(code);
  await pat.getByRole('button', { name: 'Verify' }).click();
  await expect(pat.getByRole('toolbar', { name: 'Message actions' })).toBeVisible();
  // The newest of Acme's messages (earlier specs may have sent one): its subject, no longer the lock.
  await expect(pat.getByRole('heading', { level: 1 })).not.toHaveText('Enter your code to open this message');
  await expect(pat.getByRole('heading', { name: 'Enter your code to open this message' })).toHaveCount(0);

  // Now Acme's messages are open in this session: the list shows subjects, and the file downloads.
  await pat.goto('/secure/inbox');
  await expect(inbox).toContainText('[secure]');
  await expect(inbox.getByText('Locked: open it to enter the code sent by text message')).toHaveCount(0);
  await pat.getByRole('link', { name: /Updated consent form/ }).first().click();
  const file = pat.getByRole('link', { name: /lab-results-summary\.txt/ });
  await expect(file).toBeVisible();
  const fileUrl = (await file.getAttribute('href')) ?? '';
  expect((await patContext.request.get(fileUrl)).status()).toBe(200);

  // Another sign-in of Pat (another browser) must enter a code of its own: nothing is shared.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await signInToPortal(other, 'pat@partner.example');
  await expect(other).toHaveURL(/\/secure\/inbox$/);
  expect((await otherContext.request.get(fileUrl)).status()).toBe(403);
  await other.goto(lockedUrl);
  await expect(other.getByRole('heading', { name: 'Enter your code to open this message' })).toBeVisible();
  await other.goto(`${lockedUrl}/print`);
  await expect(other.getByRole('heading', { name: 'Enter your code to open this message' })).toBeVisible();
  await otherContext.close();
  await patContext.close();

  // Clear the phone again: the password alone opens Acme's messages once more.
  await page.getByRole('button', { name: 'Edit pat@partner.example' }).click();
  await dialog.getByLabel('Phone number').fill('');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  const again = await browser.newContext();
  const pat2 = await again.newPage();
  await signInToPortal(pat2, 'pat@partner.example');
  await expect(pat2).toHaveURL(/\/secure\/inbox$/);
  await expect(pat2.getByRole('list', { name: 'Inbox' })).toContainText('[secure]');
  await again.close();
});
