import postgres from 'postgres';
import { expect, test } from '@playwright/test';
import { DEMO_PASSWORD, enterEmailAndPassword, expectAccessible, openLinkFromOutbox, signInToPortal, writeMessage } from './helpers';

test('pat signs in to the secure-message portal, sees unread messages in bold, and reads one', async ({ page }) => {
  await page.goto('/secure/login');
  await expect(page.getByRole('heading', { name: 'Secure messages' })).toBeVisible();
  await expectAccessible(page);
  await signInToPortal(page, 'pat@partner.example', 'Wrong-Password-9!');
  await expect(page.getByText('Incorrect email address or password.')).toBeVisible();

  await signInToPortal(page, 'pat@partner.example');
  await expect(page).toHaveURL(/\/secure\/inbox$/);
  const folders = page.getByRole('navigation', { name: 'Folders' });
  await expect(folders.getByRole('link', { name: /Inbox/ })).toContainText('unread');
  const inbox = page.getByRole('list', { name: 'Inbox' });
  await expect(inbox.getByText('Unread:').first()).toBeAttached();
  await expectAccessible(page);
  await page.screenshot({ path: 'test-results/portal-inbox.png', fullPage: true });

  const unreadBefore = Number((await folders.getByRole('link', { name: /Inbox/ }).textContent())?.match(/(\d+)/)?.[1] ?? '0');
  // One of the demo's messages from Alice: the oldest unread on the page (other specs send Pat newer ones, "[secure]" in their subjects too).
  await inbox.getByRole('link').filter({ hasText: 'Unread:' }).filter({ hasText: '[secure]' }).last().click();
  await expect(page).toHaveURL(/\/secure\/messages\/[0-9a-f-]{36}$/);
  const messageUrl = page.url();
  await expect(page.getByText('From')).toBeVisible();
  await expect(page.frameLocator('iframe[title="Message body"]').getByText('Best regards')).toBeVisible();
  await expectAccessible(page);
  // The folder list counts it as read at once, without a reload.
  await expect(folders.getByRole('link', { name: /Inbox/ })).toContainText(`${unreadBefore - 1} unread`);
  await folders.getByRole('link', { name: /Inbox/ }).click();
  await expect(page).toHaveURL(/\/secure\/inbox$/);
  await expect(folders.getByRole('link', { name: /Inbox/ })).toContainText(`${unreadBefore - 1} unread`);
  await page.goto('/secure/inbox');
  const unreadAfter = Number((await folders.getByRole('link', { name: /Inbox/ }).textContent())?.match(/(\d+)/)?.[1] ?? '0');
  expect(unreadAfter).toBe(unreadBefore - 1);
  // Mark as unread counts it again.
  await page.goto(messageUrl);
  await expect(folders.getByRole('link', { name: /Inbox/ })).toContainText(`${unreadBefore - 1} unread`);
  await page.getByRole('button', { name: 'Mark as unread' }).click();
  await expect(page).toHaveURL(/\/secure\/inbox$/);
  await expect(folders.getByRole('link', { name: /Inbox/ })).toContainText(`${unreadBefore} unread`);

  // Another person's message id is simply not found.
  await page.goto('/secure/messages/00000000-0000-4000-8000-000000000000');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  // So is an id that is not a UUID at all (it once reached PostgreSQL and was a 500).
  expect((await page.request.get(`/secure/messages/${'-'.repeat(36)}`)).status()).toBe(404);
  // Its way back is the portal's inbox, as for any unknown address under /secure.
  await page.getByRole('link', { name: 'Go to your inbox' }).click();
  await expect(page).toHaveURL(/\/secure\/inbox$/);
  const missing = await page.goto('/secure/no-such-page');
  expect(missing?.status()).toBe(404);
  await expect(page.getByRole('link', { name: 'Go to your inbox' })).toBeVisible();
});

test('alice sees her sent messages; an administrator session does not open the portal', async ({ page }) => {
  await signInToPortal(page, 'alice@acme.example');
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Sent', exact: true }).click();
  await expect(page.getByRole('list', { name: 'Sent' })).toContainText('To: pat@partner.example');
  await expectAccessible(page);
  await page.getByRole('list', { name: 'Sent' }).getByRole('link').first().click();
  await expect(page).toHaveURL(/\/secure\/messages\/[0-9a-f-]{36}$/);
  const messageUrl = new URL(page.url()).pathname;
  const subject = await page.getByRole('heading', { level: 1 }).textContent();

  await page.getByRole('button', { name: /Account menu/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/secure\/login\?notice=signed-out/);
  await page.goto('/secure/inbox');
  await expect(page).toHaveURL(/\/secure\/login$/);
  // A message link opened while signed out (as from a notification) opens the message after sign-in.
  await page.goto(messageUrl);
  await expect(page).toHaveURL(`/secure/login?callbackUrl=${encodeURIComponent(messageUrl)}`);
  await enterEmailAndPassword(page, 'alice@acme.example', DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(messageUrl);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(subject ?? '');
});

test('"All addresses" finds colleagues by name or address, and adds one to To', async ({ page }) => {
  await signInToPortal(page, 'alice@acme.example');
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Compose' }).click();
  const contacts = page.getByRole('complementary', { name: 'Contacts' });
  await contacts.getByRole('button', { name: 'All addresses' }).click();
  await contacts.getByRole('searchbox', { name: 'Find a person' }).fill('lucas.oka');
  await contacts.getByRole('button', { name: 'Add lucas.okafor@acme.example to To' }).click();
  await expect(page.getByRole('list', { name: 'To recipients' })).toContainText('lucas.okafor@acme.example');
  await contacts.getByRole('searchbox', { name: 'Find a person' }).fill('nobody-here-at-all');
  await expect(contacts.getByText('Nobody matches.')).toBeVisible();
});

test('leaving a message being written keeps it in Drafts; Discard asks first and deletes it', async ({ page }) => {
  await signInToPortal(page, 'alice@acme.example');
  const folders = page.getByRole('navigation', { name: 'Folders' });
  await folders.getByRole('link', { name: 'Compose' }).click();
  // Nothing written yet: leaving saves nothing.
  await folders.getByRole('link', { name: /Inbox/ }).click();
  await expect(page).toHaveURL(/\/secure\/inbox$/);
  await folders.getByRole('link', { name: 'Compose' }).click();
  const subject = `Half-written ${Date.now().toString(36)}`;
  await page.getByLabel('Subject').fill(subject);
  // Leaving at once: the draft is saved first, then the link is followed.
  await folders.getByRole('link', { name: /Inbox/ }).click();
  await expect(page).toHaveURL(/\/secure\/inbox$/);
  await folders.getByRole('link', { name: /Drafts/ }).click();
  await page.getByRole('link', { name: `Continue draft: ${subject}` }).click();
  // The composer's own field: on the Drafts page, a "(no subject)" draft's link is labelled with the word too.
  await expect(page).toHaveURL(/\/secure\/compose\?draft=/, { timeout: 20_000 });
  await expect(page.getByRole('textbox', { name: 'Subject', exact: true })).toHaveValue(subject);
  await page.getByRole('button', { name: 'Discard', exact: true }).click();
  const ask = page.getByRole('alertdialog', { name: 'Discard this message?' });
  await expect(ask).toBeVisible();
  await expectAccessible(page);
  await ask.getByRole('button', { name: 'Keep writing' }).click();
  await expect(page.getByRole('textbox', { name: 'Subject', exact: true })).toHaveValue(subject);
  await page.getByRole('button', { name: 'Discard', exact: true }).click();
  await ask.getByRole('button', { name: 'Discard' }).click();
  await expect(page).toHaveURL(/\/secure\/inbox$/);
  await page.goto('/secure/drafts');
  await expect(page.getByRole('link', { name: `Continue draft: ${subject}` })).toHaveCount(0);
});

test('a portal password is reset through an emailed single-use link', async ({ page }) => {
  await page.goto('/secure/login');
  await page.getByRole('link', { name: 'Reset password' }).click();
  await expect(page).toHaveURL(/\/secure\/reset-password$/);
  await page.getByLabel('Email address').fill('pat@partner.example');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByText('If an account exists for pat@partner.example')).toBeVisible();

  await openLinkFromOutbox(page, 'pat@partner.example', '/secure/activate/');
  const link = page.url();
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('New password', { exact: true }).fill('Harbour-Lantern-Quiet-4');
  await page.getByLabel('Confirm new password').fill('Harbour-Lantern-Quiet-4');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/secure\/login\?notice=password-set/);
  await page.goto(link);
  await expect(page.getByText('This link cannot be used')).toBeVisible();
  await signInToPortal(page, 'pat@partner.example', 'Harbour-Lantern-Quiet-4');
  await expect(page).toHaveURL(/\/secure\/inbox$/);

  // Put the demo password back for the other tests, through the portal's own change form.
  await page.goto('/secure/change-password');
  await page.getByLabel('Current password').fill('Harbour-Lantern-Quiet-4');
  await page.getByLabel('New password', { exact: true }).fill('Sealpost-Demo-2026!');
  await page.getByLabel('Confirm new password').fill('Sealpost-Demo-2026!');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page).toHaveURL(/\/secure\/login\?notice=password-changed/);
});

test('a message to a first-time recipient: notification → create password → read → reply; restrictions are enforced', async ({ page, browser }) => {
  const newcomer = `sam.${Date.now().toString(36)}@newclient.example`;
  await signInToPortal(page, 'alice@acme.example');
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Compose' }).click();
  await expect(page.getByRole('heading', { name: 'New secure message' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('To', { exact: true }).fill(newcomer);
  await page.getByLabel('Subject').fill('[secure] Welcome pack');
  const contents = Array.from({ length: 60 }, (_, i) => `Section ${i + 1} of the pack`);
  await writeMessage(page, ['Hello Sam,', 'Here is the <b>welcome</b> pack.', '<script>alert(1)</script>', ...contents]);
  const options = page.getByRole('region', { name: 'Security options' });
  await expect(options.getByLabel('Request read receipt')).toBeVisible();
  // The subject meets the organisation's "[secure]" policy: the composer says what it requires, and
  // shows the options as they will be sent — nothing weaker than the policy can be chosen.
  await expect(options.getByRole('status')).toContainText('Your organisation’s policy “Secure delivery on request” applies');
  await expect(options.getByRole('status')).toContainText('expires in 30 days at the latest');
  await expect(options.getByLabel('Request read receipt')).toBeChecked();
  await expect(options.getByLabel('Request read receipt')).toBeDisabled();
  await expect(options.getByLabel('In 30 days')).toBeChecked();
  await expect(options.getByLabel('Never')).toBeDisabled();
  await options.getByLabel('In 7 days').check();
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  // The dialog confirms the options chosen in the composer.
  const confirm = page.getByRole('dialog', { name: 'Send this message?' });
  await expect(confirm.getByRole('list', { name: 'Security options' })).toContainText('Read receipt requested');
  await expect(confirm.getByRole('list', { name: 'Security options' })).toContainText('Expires in 7 days');
  await confirm.getByRole('button', { name: 'Send message' }).click();
  await expect(page).toHaveURL(/\/secure\/sent$/);
  await expect(page.getByRole('list', { name: 'Sent' })).toContainText(newcomer);

  // A restricted one to pat: no print, no reply.
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Compose' }).click();
  await page.getByLabel('To', { exact: true }).fill('pat@partner.example');
  await page.getByLabel('Subject').fill('Board minutes (restricted)');
  await page.getByLabel('Message').fill('For your eyes only.');
  await page.getByRole('region', { name: 'Security options' }).getByLabel('Restricted — no print, no reply').check();
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('dialog', { name: 'Send this message?' })).toContainText('Restricted — no print, no reply');
  await page.getByRole('dialog', { name: 'Send this message?' }).getByRole('button', { name: 'Send message' }).click();
  await expect(page).toHaveURL(/\/secure\/sent$/);

  // The newcomer follows the link in the notification, creates a password, signs in and reads.
  const theirs = await browser.newContext();
  const sam = await theirs.newPage();
  await openLinkFromOutbox(sam, newcomer, '/secure/activate/');
  await expect(sam.getByRole('heading', { name: 'Create your password' })).toBeVisible();
  await sam.getByLabel('New password', { exact: true }).fill('Meadow-Copper-Signal-6');
  await sam.getByLabel('Confirm new password').fill('Meadow-Copper-Signal-6');
  await sam.getByRole('button', { name: 'Create password' }).click();
  await expect(sam).toHaveURL(/\/secure\/login\?notice=password-set/);
  // The sign-in form has their address, and signing in opens the message the notification was about.
  await expect(sam.getByLabel('Email address')).toHaveValue(newcomer);
  await sam.getByRole('button', { name: 'Next' }).click();
  await sam.getByLabel('Password', { exact: true }).fill('Meadow-Copper-Signal-6');
  await sam.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(sam).toHaveURL(/\/secure\/messages\/[0-9a-f-]{36}$/);
  await expect(sam.getByRole('heading', { level: 1 })).toHaveText('[secure] Welcome pack');
  const body = sam.frameLocator('iframe[title="Message body"]');
  await expect(body.getByText('Here is the <b>welcome</b> pack.')).toBeVisible();
  await expect(sam.locator('script', { hasText: 'alert(1)' })).toHaveCount(0);
  // The frame grows to fit a long message: the page scrolls, not a box inside it.
  const frame = sam.locator('iframe[title="Message body"]');
  // It may never run scripts: allow-same-origin (to measure it) is only safe without allow-scripts.
  const sandbox = (await frame.getAttribute('sandbox')) ?? '';
  expect(sandbox.split(/\s+/)).not.toContain('allow-scripts');
  expect(await frame.evaluate((f: HTMLIFrameElement) => f.contentDocument?.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content'))).toContain(
    "default-src 'none'",
  );
  await expect.poll(async () => (await frame.boundingBox())?.height ?? 0).toBeGreaterThan(60 * 18);
  const overflow = await frame.evaluate((f: HTMLIFrameElement) => {
    const root = f.contentDocument?.documentElement;
    return root ? root.scrollHeight - root.clientHeight : -1;
  });
  expect(overflow).toBeLessThanOrEqual(1);
  await sam.getByRole('link', { name: 'Reply', exact: true }).click();
  await expect(sam.getByLabel('Subject')).toHaveValue('Re: [secure] Welcome pack');
  await sam.getByLabel('Message').fill('Thank you, received.');
  await sam.getByRole('button', { name: 'Send', exact: true }).click();
  await sam.getByRole('dialog', { name: 'Send this message?' }).getByRole('button', { name: 'Send message' }).click();
  await expect(sam).toHaveURL(/\/secure\/sent$/);
  // An external recipient may write only to organisations that wrote to them.
  await sam.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Compose' }).click();
  await sam.getByLabel('To', { exact: true }).fill('someone@elsewhere.example');
  await sam.getByLabel('Subject').fill('Hello');
  await sam.getByRole('button', { name: 'Send', exact: true }).click();
  await sam.getByRole('dialog', { name: 'Send this message?' }).getByRole('button', { name: 'Send message' }).click();
  await expect(sam.getByText('You can write only to people at organisations that have sent you secure messages.')).toBeVisible();
  await expect(sam.getByText('someone@elsewhere.example is not among the people you can write to.')).toBeVisible();
  await theirs.close();

  // Alice sees the reply and gets the read receipt by email.
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: /Inbox/ }).click();
  await expect(page.getByRole('list', { name: 'Inbox' })).toContainText('Re: [secure] Welcome pack');
  // In Sent, the welcome pack reads as read; the restricted message to pat, not yet.
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Sent', exact: true }).click();
  const sent = page.getByRole('list', { name: 'Sent' });
  await expect(sent.getByRole('listitem').filter({ hasText: '[secure] Welcome pack' }).first()).toContainText('Read');
  await expect(sent.getByRole('listitem').filter({ hasText: 'Board minutes (restricted)' }).first()).toContainText('Not read yet');
  await page.goto('/dev/outbox');
  // The receipt names the reader and the time, never the subject (sealed at rest).
  await expect(page.getByText(/^Read by \S+@newclient\.example: your secure message of /).first()).toBeVisible();

  // Pat gets no Reply and no Print on the restricted message, and the print page refuses.
  const patContext = await browser.newContext();
  const pat = await patContext.newPage();
  await signInToPortal(pat, 'pat@partner.example');
  await pat.getByRole('list', { name: 'Inbox' }).getByRole('link', { name: /Board minutes/ }).click();
  await pat.waitForURL(/\/secure\/messages\/[0-9a-f-]{36}$/);
  const messageUrl = pat.url();
  await expect(pat.getByText('Restricted — no print, no reply')).toBeVisible();
  await expect(pat.getByRole('link', { name: 'Reply', exact: true })).toHaveCount(0);
  await expect(pat.getByRole('link', { name: 'Print' })).toHaveCount(0);
  // The browser's own Print (Ctrl+P) prints the refusal, not the message.
  await expect(pat.getByText('This message cannot be printed')).toBeHidden();
  await pat.emulateMedia({ media: 'print' });
  await expect(pat.getByText('This message cannot be printed')).toBeVisible();
  await expect(pat.getByRole('heading', { name: 'Board minutes', level: 1 })).toBeHidden();
  await expect(pat.locator('iframe[title="Message body"]')).toBeHidden();
  await pat.emulateMedia({ media: 'screen' });
  await pat.goto(`${messageUrl}/print`);
  await expect(pat.getByText('This message cannot be printed')).toBeVisible();
  await pat.goto(`/secure/compose?reply=${messageUrl.split('/').pop()}`);
  await expect(pat.getByText('This message cannot be replied to')).toBeVisible();
  await patContext.close();
});

test('preferences change how dates are shown', async ({ page }) => {
  await signInToPortal(page, 'pat@partner.example');
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Preferences' }).click();
  await expectAccessible(page);
  await page.getByLabel('Date format').selectOption('yyyy-MM-dd');
  await page.getByLabel('Time format').selectOption('12h');
  await page.getByLabel('Signature').fill('Pat Rivera\nPartner Co.');
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: /Inbox/ }).click();
  await expect(page.getByRole('list', { name: 'Inbox' }).locator('time').first()).toHaveText(/^\d{4}-\d{2}-\d{2} \d{1,2}:\d{2} (AM|PM) UTC$/);
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Compose' }).click();
  await expect(page.getByLabel('Message')).toContainText('Pat Rivera');
  await expect(page.getByLabel('Message')).toContainText('Partner Co.');

  // Times follow the chosen time zone, named after them.
  const save = () =>
    Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/secure/preferences'),
      page.getByRole('button', { name: 'Save preferences' }).click(),
    ]);
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Preferences' }).click();
  // The zone list is searched by typing; a name that is not a zone is refused where it is typed.
  const zone = page.getByLabel('Time zone');
  await zone.fill('Atlantis/Lost City');
  await page.getByLabel('Signature').focus();
  await expect(page.getByText('Choose a time zone from the list.')).toBeVisible();
  await expect(zone).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#timeZone-options option[value="America/New York"]')).toHaveCount(1);
  await zone.fill('America/New York');
  await expect(page.getByText('Choose a time zone from the list.')).toBeHidden();
  await save();
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: /Inbox/ }).click();
  await expect(page.getByRole('list', { name: 'Inbox' }).locator('time').first()).toHaveText(/^\d{4}-\d{2}-\d{2} \d{1,2}:\d{2} (AM|PM) E[SD]T$/);
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Preferences' }).click();
  await page.getByLabel('Time zone').fill('UTC');
  await save();
});

test("a new user's times start in the device's time zone, and a zone chosen later is kept", async ({ browser }) => {
  const tokyo = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
  const page = await tokyo.newPage();
  // Alice has never chosen a zone (as the seed leaves her; an earlier test's device may have set one).
  const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
  await sql`update portal_users set preferences = coalesce(preferences, '{}'::jsonb) - 'timeZone' where email = 'alice@acme.example'`;
  await sql.end();
  await signInToPortal(page, 'alice@acme.example');
  await expect(page.getByRole('list', { name: 'Inbox' }).locator('time').first()).toHaveText(/(JST|GMT\+9)$/);
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Preferences' }).click();
  await expect(page.getByLabel('Time zone')).toHaveValue('Asia/Tokyo');
  await tokyo.close();

  // Another device elsewhere does not move it.
  const lisbon = await browser.newContext({ timezoneId: 'Europe/Lisbon' });
  const second = await lisbon.newPage();
  await signInToPortal(second, 'alice@acme.example');
  await second.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Preferences' }).click();
  await expect(second.getByLabel('Time zone')).toHaveValue('Asia/Tokyo');
  await second.getByLabel('Time zone').fill('UTC');
  await Promise.all([
    second.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/secure/preferences'),
    second.getByRole('button', { name: 'Save preferences' }).click(),
  ]);
  await lisbon.close();
});

test('a 50 MB attachment arrives byte for byte; one byte more is refused', async ({ page, browser }) => {
  const { createHash } = await import('node:crypto');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-upload-'));
  const exact = path.join(dir, 'scan-50mb.bin');
  const bytes = Buffer.alloc(50 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i += 4096) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
  fs.writeFileSync(exact, bytes);
  const tooBig = path.join(dir, 'one-byte-more.bin');
  fs.writeFileSync(tooBig, Buffer.concat([bytes, Buffer.from([1])]));
  const sent = createHash('sha256').update(bytes).digest('hex');

  await signInToPortal(page, 'alice@acme.example');
  // Draft ids come from the server's compose page: one the client makes up is refused.
  const forged = await page.request.post('/secure/attachments', {
    headers: { 'x-draft-id': crypto.randomUUID(), 'x-file-name': 'made-up.txt', 'content-type': 'text/plain' },
    data: 'hello',
  });
  expect(forged.status()).toBe(400);
  expect(((await forged.json()) as { error: { message: string } }).error.message).toMatch(/does not belong to a message being written/);
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Compose' }).click();
  await page.getByLabel('Attach files').setInputFiles(tooBig);
  await expect(page.getByText(/Attachments can total at most 50 MB per message/)).toBeVisible();
  // A file attached and removed again gives its room back, on the server too: the 50 MB file
  // after it would not fit otherwise.
  const note = path.join(dir, 'note.txt');
  fs.writeFileSync(note, 'x'.repeat(1500));
  await page.getByLabel('Attach files').setInputFiles(note);
  await expect(page.getByRole('list', { name: 'Attachments' })).toContainText('note.txt (2 KB)');
  await page.getByRole('button', { name: 'Remove note.txt' }).click();
  await expect(page.getByRole('list', { name: 'Attachments' })).toHaveCount(0);
  await expect(page.getByText('0.0 MB of 50 MB used')).toBeVisible();
  await page.getByLabel('Attach files').setInputFiles(exact);
  await expect(page.getByRole('list', { name: 'Attachments' })).toContainText('scan-50mb.bin', { timeout: 60_000 });
  await page.getByLabel('To', { exact: true }).fill('pat@partner.example');
  await page.getByLabel('Subject').fill('Scans');
  // Escape backs out of the send options, and focus returns to Send.
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('dialog', { name: 'Send this message?' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Send this message?' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.getByRole('dialog', { name: 'Send this message?' }).getByRole('button', { name: 'Send message' }).click();
  await expect(page).toHaveURL(/\/secure\/sent$/);

  const patContext = await browser.newContext({ acceptDownloads: true });
  const pat = await patContext.newPage();
  await signInToPortal(pat, 'pat@partner.example');
  await pat.getByRole('list', { name: 'Inbox' }).getByRole('link', { name: /Scans/ }).first().click();
  const [download] = await Promise.all([pat.waitForEvent('download'), pat.getByRole('link', { name: /scan-50mb\.bin/ }).click()]);
  const saved = path.join(dir, 'downloaded.bin');
  await download.saveAs(saved);
  expect(createHash('sha256').update(fs.readFileSync(saved)).digest('hex')).toBe(sent);
  await patContext.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
