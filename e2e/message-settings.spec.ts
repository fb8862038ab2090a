import { expect, test, type Browser, type Page } from '@playwright/test';
import { expectAccessible, signIn, signInToPortal, writeMessage } from './helpers';

/**
 * Issue #19 item 4: the organisation's message settings on /secure-messages (level 1) — the
 * retention period and "Senders may recall their own messages from Sent" — and a sender's recall,
 * which destroys the message's key: the sender and the recipient see that it was recalled and
 * nothing of it. Sets both settings back as the demo has them, so later files see the seed.
 */

async function saveSettings(page: Page, days: string, mayRecall: boolean) {
  await page.goto('/secure-messages');
  await page.getByLabel('Retention period (days)').fill(days);
  const box = page.getByLabel('Senders may recall their own messages from Sent');
  if ((await box.isChecked()) !== mayRecall) await box.click();
  await page.getByRole('button', { name: 'Save message settings' }).click();
  await expect(page.getByText('Message settings saved')).toBeVisible();
}

async function sendAsAlice(browser: Browser, subject: string): Promise<{ page: Page; url: string }> {
  const page = await (await browser.newContext()).newPage();
  await signInToPortal(page, 'alice@acme.example');
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Compose' }).click();
  await page.getByLabel('To', { exact: true }).fill('pat@partner.example');
  await page.getByLabel('Subject').fill(subject);
  await writeMessage(page, ['The canary words are in this body: plum orchard.']);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByRole('dialog', { name: 'Send this message?' }).getByRole('button', { name: 'Send message' }).click();
  await expect(page).toHaveURL(/\/secure\/sent$/);
  await page.getByRole('list', { name: 'Sent' }).getByRole('link', { name: new RegExp(subject.replace(/[[\]]/g, '\\$&')) }).click();
  await expect(page).toHaveURL(/\/secure\/messages\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(subject);
  await expect(page.frameLocator('iframe').getByText('The canary words are in this body')).toBeVisible();
  return { page, url: new URL(page.url()).pathname };
}

test('a level 1 administrator sets the retention period and lets senders recall; the sender recalls a message and nobody can open it', async ({ page, browser }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/secure-messages');
  await expect(page.getByRole('heading', { name: 'Message settings' })).toBeVisible();
  await expect(page.getByLabel('Retention period (days)')).toHaveValue('');
  await expect(page.getByLabel('Senders may recall their own messages from Sent')).not.toBeChecked();

  try {
    // A period the form refuses is named where it is typed, and nothing is saved.
    await page.getByLabel('Retention period (days)').fill('0');
    await page.getByRole('button', { name: 'Save message settings' }).click();
    const field = page.getByLabel('Retention period (days)');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription(/At least 1 day\./);

    // Saved, kept across a reload, and an audit event says who changed what.
    await saveSettings(page, '3650', true);
    await page.reload();
    await expect(page.getByLabel('Retention period (days)')).toHaveValue('3650');
    await expect(page.getByLabel('Senders may recall their own messages from Sent')).toBeChecked();
    await expectAccessible(page);
    await page.screenshot({ path: 'test-results/message-settings-1440.png', fullPage: true });
    await page.goto('/events');
    await expect(page.getByText('owner@acme.example set a retention period of 3650 days').first()).toBeVisible();

    // Alice sends a message, then recalls it from its page, after a confirmation naming what happens.
    const subject = `[secure] Recall me ${Date.now().toString(36)}`;
    const alice = await sendAsAlice(browser, subject);
    await alice.page.getByRole('button', { name: 'Recall' }).click();
    const confirm = alice.page.getByRole('alertdialog', { name: 'Recall this message?' }).or(alice.page.getByRole('dialog', { name: 'Recall this message?' }));
    await expect(confirm).toContainText('Its key is destroyed');
    await confirm.getByRole('button', { name: 'Recall' }).click();
    await expect(alice.page.getByText('Message recalled')).toBeVisible();
    // The body (shown in a sandboxed frame) is gone from the page with the key.
    await expect(alice.page.getByRole('heading', { name: 'This message was recalled' })).toBeVisible();
    await expect(alice.page.locator('iframe')).toHaveCount(0);
    await alice.page.goto('/secure/sent');
    await expect(alice.page.getByRole('list', { name: 'Sent' })).not.toContainText(subject);

    // Pat, the recipient, sees that it was recalled and nothing of it.
    const pat = await (await browser.newContext()).newPage();
    await signInToPortal(pat, 'pat@partner.example');
    await pat.goto(alice.url);
    await expect(pat.getByRole('heading', { name: 'This message was recalled' })).toBeVisible();
    await expect(pat.locator('iframe')).toHaveCount(0);
    await expect(pat.getByText(subject)).toHaveCount(0);
    // Its words no longer find it: the search index went with the key.
    await pat.goto('/secure/inbox?q=orchard');
    await expect(pat.getByText(subject)).toHaveCount(0);
    await pat.context().close();

    // With the setting off, a sender is offered no Recall.
    await saveSettings(page, '', false);
    const second = `[secure] Keep me ${Date.now().toString(36)}`;
    const kept = await sendAsAlice(browser, second);
    await expect(kept.page.frameLocator('iframe').getByText('The canary words are in this body')).toBeVisible();
    await expect(kept.page.getByRole('button', { name: 'Recall' })).toHaveCount(0);
    await alice.page.context().close();
    await kept.page.context().close();
  } finally {
    await saveSettings(page, '', false);
  }
});

test('the message settings are for level 1 only: a level 2 administrator does not see them', async ({ page }) => {
  await signIn(page, 'manager@acme.example');
  await page.goto('/secure-messages');
  await expect(page.getByRole('heading', { name: 'Secure messages', level: 1 })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Message settings' })).toHaveCount(0);
  await expect(page.getByLabel('Retention period (days)')).toHaveCount(0);
});
