import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import postgres from 'postgres';
import { expect, test, type Page } from '@playwright/test';
import { expectAccessible, signIn, signInToPortal, writeMessage } from './helpers';

/** Issue #23, items 9–11: composing, reading and branding in the secure-message portal. */

// Several people, pages and sends per test, each page looked at at two sizes, on a shared machine.
test.beforeEach(() => test.slow());

const unique = () => Date.now().toString(36);

/** The page at 1440×900 and 390×844, kept for looking at, with no sideways scrolling at either width. */
async function screenshots(page: Page, name: string) {
  fs.mkdirSync('test-results/portal-everyday', { recursive: true });
  for (const [width, height] of [
    [1440, 900],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(150);
    await page.screenshot({ path: `test-results/portal-everyday/${name}-${width}.png`, fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} at ${width} px scrolls sideways`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 720 });
}

async function openCompose(page: Page) {
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Compose' }).click();
  await expect(page.getByRole('toolbar', { name: 'Formatting' })).toBeVisible();
}

async function addRecipient(page: Page, address: string) {
  await page.getByLabel('To', { exact: true }).fill(address);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('list', { name: 'To recipients' })).toContainText(address);
}

async function sendIt(page: Page) {
  // A notice that stays until dismissed (e.g. "No phone number for SMS two-factor" after the
  // previous send) keeps clear of Send (components/ui/toast.tsx): no need to close it first.
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByRole('dialog', { name: 'Send this message?' }).getByRole('button', { name: 'Send message' }).click();
  await expect(page).toHaveURL(/\/secure\/sent$/);
}

async function composeAndSend(page: Page, to: string, subject: string, lines: string[]) {
  await openCompose(page);
  await addRecipient(page, to);
  await page.getByLabel('Subject').fill(subject);
  await writeMessage(page, lines);
  await sendIt(page);
}

function unreadIn(text: string | null): number {
  return Number(text?.match(/(\d+)\s*unread/)?.[1] ?? '0');
}

test('compose: recipients as chips with suggestions, a bad address named where it is typed, options set in the composer and confirmed on Send, bold and a list arriving as formatted HTML; the sender sees who read it', async ({ page, browser }) => {
  const subject = `Quarterly figures ${unique()}`;
  await signInToPortal(page, 'alice@acme.example');
  await openCompose(page);

  // Suggestions from the people Alice writes with: "pa" offers Pat, chosen by keyboard.
  const to = page.getByLabel('To', { exact: true });
  await to.fill('pa');
  const suggestions = page.getByRole('listbox', { name: 'Suggestions for To' });
  await expect(suggestions.getByRole('option', { name: /pat@partner\.example/ })).toBeVisible();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('list', { name: 'To recipients' }).getByRole('listitem')).toHaveText(['pat@partner.example']);

  // A bad address becomes a marked chip, and the field says which one and what to do.
  const cc = page.getByLabel('Cc', { exact: true });
  await cc.fill('pat.partner.example,');
  await expect(page.getByText('“pat.partner.example” is not a valid email address. Correct it or remove it.')).toBeVisible();
  await expect(cc).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await expect(page.getByRole('dialog', { name: 'Send this message?' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Remove pat.partner.example' }).click();
  await expect(page.getByText('is not a valid email address')).toHaveCount(0);

  await page.getByLabel('Subject').fill(subject);
  // Bold by its shortcut, a bulleted list by the toolbar.
  const editor = page.getByLabel('Message');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.press('ControlOrMeta+B');
  await page.keyboard.insertText('Important');
  await page.keyboard.press('ControlOrMeta+B');
  await page.keyboard.insertText(': the figures are in.');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Bulleted list' }).click();
  await expect(page.getByRole('button', { name: 'Bulleted list' })).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.insertText('Revenue up');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText('Costs down');

  // The security options are in the composer itself.
  const options = page.getByRole('region', { name: 'Security options' });
  await options.getByLabel('Request read receipt').check();
  await options.getByLabel('Restricted — no print', { exact: true }).check();
  await options.getByLabel('In 7 days').check();
  await expect(page.getByRole('status').filter({ hasText: /Draft saved at/ })).toBeVisible();
  await expectAccessible(page);
  await screenshots(page, 'compose');

  // Send confirms them rather than asking.
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const confirm = page.getByRole('dialog', { name: 'Send this message?' });
  const chosen = confirm.getByRole('list', { name: 'Security options' });
  await expect(chosen).toContainText('Read receipt requested');
  await expect(chosen).toContainText('Restricted — no print');
  await expect(chosen).toContainText('Expires in 7 days');
  await expect(confirm.getByRole('checkbox')).toHaveCount(0);
  await expectAccessible(page);
  await confirm.getByRole('button', { name: 'Send message' }).click();
  await expect(page).toHaveURL(/\/secure\/sent$/);

  // Pat reads it: the formatting arrives as HTML, and the unread count drops the moment it opens.
  const patContext = await browser.newContext();
  const pat = await patContext.newPage();
  await signInToPortal(pat, 'pat@partner.example');
  const folders = pat.getByRole('navigation', { name: 'Folders' });
  const before = unreadIn(await folders.getByRole('link', { name: /Inbox/ }).textContent());
  expect(before).toBeGreaterThan(0);
  await pat.getByRole('list', { name: 'Inbox' }).getByRole('link', { name: new RegExp(subject) }).click();
  await expect(pat.getByRole('heading', { level: 1 })).toHaveText(subject);
  if (before > 1) await expect(folders.getByRole('link', { name: /Inbox/ })).toContainText(`${before - 1} unread`);
  else await expect(folders.getByRole('link', { name: /Inbox/ })).not.toContainText('unread');
  const body = pat.frameLocator('iframe[title="Message body"]');
  await expect(body.locator('strong')).toHaveText('Important');
  await expect(body.locator('ul > li')).toHaveText(['Revenue up', 'Costs down']);
  const html = await pat.locator('iframe[title="Message body"]').evaluate((f: HTMLIFrameElement) => f.contentDocument?.body.innerHTML ?? '');
  expect(html).toContain('<p><strong>Important</strong>: the figures are in.</p><ul><li><p>Revenue up</p></li><li><p>Costs down</p></li></ul>');
  await patContext.close();

  // Alice, on her sent message: who read it and when; no Reply on her own message.
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Sent', exact: true }).click();
  await page.getByRole('list', { name: 'Sent' }).getByRole('link', { name: new RegExp(subject) }).click();
  const status = page.getByRole('list', { name: 'Read status' });
  await expect(status.getByRole('listitem').filter({ hasText: 'pat@partner.example' })).toContainText(/Read \d/);
  await expect(page.getByRole('link', { name: 'Reply', exact: true })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Reply all' })).toHaveCount(0);
  await expectAccessible(page);
  await screenshots(page, 'sent-message');
  // Asked for directly, the reply page refuses too.
  await page.goto(`/secure/compose?reply=${page.url().split('/').pop()}`);
  await expect(page.getByText('It is your own message')).toBeVisible();
});

test('a draft is saved as it is written, listed in Drafts, continued and sent', async ({ page }) => {
  const subject = `Draft to continue ${unique()}`;
  await signInToPortal(page, 'alice@acme.example');
  await openCompose(page);
  await addRecipient(page, 'pat@partner.example');
  await page.getByLabel('Subject').fill(subject);
  await writeMessage(page, ['First thoughts, to be finished later.']);
  await page.getByRole('region', { name: 'Security options' }).getByLabel('In 30 days').check();
  await expect(page.getByRole('status').filter({ hasText: /Draft saved at/ })).toBeVisible();

  const folders = page.getByRole('navigation', { name: 'Folders' });
  await folders.getByRole('link', { name: /Drafts/ }).click();
  await expect(page).toHaveURL(/\/secure\/drafts$/);
  await expect(folders.getByRole('link', { name: /Drafts/ })).toContainText(/\d+ drafts?/);
  const row = page.getByRole('list', { name: 'Drafts' }).getByRole('listitem').filter({ hasText: subject });
  await expect(row).toContainText('To: pat@partner.example');
  await expectAccessible(page);
  await screenshots(page, 'drafts');

  await row.getByRole('link', { name: `Continue draft: ${subject}` }).click();
  await expect(page).toHaveURL(/\/secure\/compose\?draft=[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: 'Draft', exact: true, level: 1 })).toBeVisible();
  await expect(page.getByLabel('Subject')).toHaveValue(subject);
  await expect(page.getByRole('list', { name: 'To recipients' })).toContainText('pat@partner.example');
  await expect(page.getByLabel('Message')).toContainText('First thoughts, to be finished later.');
  await expect(page.getByRole('region', { name: 'Security options' }).getByLabel('In 30 days')).toBeChecked();
  await page.getByLabel('Message').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText('Now finished.');
  await sendIt(page);

  await page.goto('/secure/drafts');
  await expect(page.getByRole('link', { name: `Continue draft: ${subject}` })).toHaveCount(0);
});

test('a message and its replies are one conversation in the inbox, with a count', async ({ page, browser }) => {
  const subject = `Appointment ${unique()}`;
  await signInToPortal(page, 'alice@acme.example');
  await composeAndSend(page, 'pat@partner.example', subject, ['Does Tuesday suit you?']);

  const patContext = await browser.newContext();
  const pat = await patContext.newPage();
  await signInToPortal(pat, 'pat@partner.example');
  await pat.getByRole('list', { name: 'Inbox' }).getByRole('link', { name: new RegExp(subject) }).click();
  await pat.getByRole('link', { name: 'Reply', exact: true }).click();
  await writeMessage(pat, ['Tuesday is fine.']);
  await sendIt(pat);

  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: /Inbox/ }).click();
  await page.getByRole('list', { name: 'Inbox' }).getByRole('link', { name: new RegExp(`Re: ${subject}`) }).click();
  await page.getByRole('link', { name: 'Reply', exact: true }).click();
  await writeMessage(page, ['See you then.']);
  await sendIt(page);

  // Pat: one row for the three messages, showing the newest.
  await pat.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: /Inbox/ }).click();
  const rows = pat.getByRole('list', { name: 'Inbox' }).getByRole('listitem').filter({ hasText: subject });
  await expect(rows).toHaveCount(1);
  // The newest is Alice's answer (a reply keeps one "Re:").
  await expect(rows).toContainText(`Re: ${subject}`);
  await expect(rows).toContainText('Alice');
  await expect(rows).toContainText('3 messages in this conversation');
  await expectAccessible(pat);
  await screenshots(pat, 'inbox-conversation');
  await rows.getByRole('link').click();
  const conversation = pat.getByRole('navigation', { name: 'Conversation' });
  await expect(conversation.getByRole('listitem')).toHaveCount(3);
  await expect(conversation.getByText('(this message)')).toBeVisible();
  await patContext.close();
});

test('a sender recalls a message from Sent when the organisation allows it, and cannot when it does not', async ({ page, browser }) => {
  const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
  const setRecall = (allowed: boolean) => sql`update organisations set sender_may_recall = ${allowed} where id = (select org_id from licensed_emails where email = 'alice@acme.example')`;
  try {
    const subject = `Sent by mistake ${unique()}`;
    await setRecall(false);
    await signInToPortal(page, 'alice@acme.example');
    await composeAndSend(page, 'pat@partner.example', subject, ['Please ignore.']);
    await page.getByRole('list', { name: 'Sent' }).getByRole('link', { name: new RegExp(subject) }).click();
    // The click starts a client-side navigation: the message's address once it is there.
    await page.waitForURL(/\/secure\/messages\/[0-9a-f-]{36}$/);
    const messageUrl = page.url();
    await expect(page.getByRole('toolbar', { name: 'Message actions' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Recall', exact: true })).toHaveCount(0);

    await setRecall(true);
    await page.reload();
    await page.getByRole('button', { name: 'Recall', exact: true }).click();
    const ask = page.getByRole('alertdialog', { name: 'Recall this message?' });
    await expectAccessible(page);
    await ask.getByRole('button', { name: 'Recall' }).click();
    await expect(page.getByRole('heading', { name: 'This message was recalled', level: 1 })).toBeVisible();

    const patContext = await browser.newContext();
    const pat = await patContext.newPage();
    await signInToPortal(pat, 'pat@partner.example');
    await pat.goto(messageUrl);
    await expect(pat.getByRole('heading', { name: 'This message was recalled', level: 1 })).toBeVisible();
    await patContext.close();
  } finally {
    await setRecall(false);
    await sql.end();
  }
});

/** A small PNG logo (a blue bar with a white band), made here so the test needs no fixture file. */
function logoPng(): Buffer {
  const width = 160;
  const height = 40;
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) {
      const band = y > 15 && y < 24 && x > 20 && x < 140;
      const at = row + 1 + x * 4;
      raw.set(band ? [255, 255, 255, 255] : [36, 82, 224, 255], at);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

test('the organisation’s logo and name: set on /settings/branding, shown on the portal sign-in, the inbox header and the notification email', async ({ page, browser }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealpost-logo-'));
  const png = path.join(dir, 'acme-logo.png');
  fs.writeFileSync(png, logoPng());
  const svg = path.join(dir, 'acme-logo.svg');
  fs.writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
  try {
    await signIn(page, 'owner@acme.example');
    await page.goto('/settings/branding');
    await expect(page.getByRole('heading', { name: 'Branding', level: 1 })).toBeVisible();
    await page.getByLabel('Upload logo').setInputFiles(svg);
    await expect(page.getByText('SVG logos are not accepted')).toBeVisible();
    await page.getByLabel(/Upload logo|Replace logo/).setInputFiles(png);
    await expect(page.getByRole('img', { name: 'Acme Health logo' })).toBeVisible();
    await expectAccessible(page);
    await screenshots(page, 'settings-branding');
    await page.goto('/events');
    await expect(page.getByText(/set the organisation's logo \(acme-logo\.png, PNG/).first()).toBeVisible();

    // A message to Pat: the notification says who wrote, with the logo.
    const subject = `Branded ${unique()}`;
    const alice = await browser.newContext();
    const alicePage = await alice.newPage();
    await signInToPortal(alicePage, 'alice@acme.example');
    await composeAndSend(alicePage, 'pat@partner.example', subject, ['With our letterhead.']);
    await alice.close();
    const [notice] = await sql<{ subject: string; body_text: string; body_html: string }[]>`
      select subject, body_text, body_html from outbox_messages where recipient = 'pat@partner.example' and kind = 'message_notification' order by created_at desc limit 1`;
    expect(notice.subject).toContain('(Acme Health)');
    expect(notice.body_text).toContain('of Acme Health sent you a secure message');
    const logoUrl = /<img src="([^"]+\/branding\/[0-9a-f-]{36}\/logo\?v=\d+)" alt="Acme Health logo"/.exec(notice.body_html)?.[1];
    expect(logoUrl).toBeTruthy();
    const served = await page.request.get(new URL(logoUrl ?? '').pathname + new URL(logoUrl ?? '').search);
    expect(served.status()).toBe(200);
    expect(served.headers()['content-type']).toBe('image/png');
    expect(served.headers()['x-content-type-options']).toBe('nosniff');
    await page.goto('/dev/outbox');
    await expect(page.getByText('of Acme Health sent you a secure message').first()).toBeVisible();

    // Pat follows the notification's link: the sign-in page says who wrote, with the logo.
    const messageLink = /\/secure\/messages\/[0-9a-f-]{36}/.exec(notice.body_text)?.[0] ?? '';
    const patContext = await browser.newContext();
    const pat = await patContext.newPage();
    await pat.goto(messageLink);
    await expect(pat).toHaveURL(/\/secure\/login\?callbackUrl=/);
    await expect(pat.getByRole('img', { name: 'Acme Health logo' })).toBeVisible();
    await expect(pat.getByText('Acme Health sent you a secure message. Sign in to read it.')).toBeVisible();
    await expectAccessible(pat);
    await screenshots(pat, 'portal-sign-in-branded');
    await signInToPortal(pat, 'pat@partner.example');
    await pat.goto('/secure/inbox');
    const header = pat.getByRole('list', { name: 'Organisations' });
    await expect(header.getByRole('img', { name: 'Acme Health logo' })).toBeVisible();
    await expect(header).toContainText('Acme Health');
    await screenshots(pat, 'portal-inbox-branded');
    await patContext.close();
  } finally {
    await sql.end();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
