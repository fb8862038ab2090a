import { expect, test } from '@playwright/test';
import { expectAccessible, signIn, signInToPortal } from './helpers';

/**
 * Issue #17, items 6–7: replies from the portal come home through the organisation's inbound
 * route (in demo mode the outbox stands in for Acme's mail server), and DKIM keys per domain.
 */

test('an external recipient replies in the portal: the reply comes home to the internal user’s mailbox (the outbox), with a link to the conversation', async ({ page, browser }) => {
  // Two portal users, a background job and the outbox: more than the default minute on a busy machine.
  test.slow();
  const subject = `Referral ${Date.now().toString(36)}`;
  await signInToPortal(page, 'alice@acme.example');
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Compose' }).click();
  await page.getByLabel('To', { exact: true }).fill('pat@partner.example');
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Message').fill('Please confirm the appointment.');
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  await page.getByRole('dialog', { name: 'Send this message?' }).getByRole('button', { name: 'Send message' }).click();
  await expect(page).toHaveURL(/\/secure\/sent$/);

  const context = await browser.newContext();
  const pat = await context.newPage();
  await signInToPortal(pat, 'pat@partner.example');
  await pat.goto('/secure/inbox');
  await pat.getByRole('list', { name: 'Inbox' }).getByRole('link', { name: new RegExp(subject) }).click();
  await expect(pat.getByRole('heading', { level: 1 })).toHaveText(subject);
  await pat.getByRole('link', { name: 'Reply', exact: true }).click();
  await expect(pat.getByLabel('Subject')).toHaveValue(`Re: ${subject}`);
  await pat.getByLabel('Message').fill('Confirmed for Tuesday at 10.');
  await pat.getByRole('button', { name: 'Send', exact: true }).click();
  await pat.getByRole('dialog', { name: 'Send this message?' }).getByRole('button', { name: 'Send message' }).click();
  await expect(pat).toHaveURL(/\/secure\/sent$/);
  await context.close();

  // The copy lands in the outbox (standing in for Acme's inbound route), addressed to Alice.
  const copy = page.getByRole('listitem').filter({ hasText: 'To: alice@acme.example' }).filter({ hasText: `Re: ${subject}` });
  await expect(async () => {
    await page.goto('/dev/outbox');
    await expect(copy.filter({ hasText: 'Confirmed for Tuesday at 10.' }).first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(copy.first()).toContainText('Read the conversation and answer securely');
  // Its link opens the reply in the portal.
  await copy.first().getByRole('link', { name: /\/secure\/messages\/[0-9a-f-]{36}$/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Re: ${subject}`);

  // The delivery log has it: delivered to Acme's inbound route (the outbox, in demo mode).
  await signIn(page, 'owner@acme.example');
  await page.goto('/settings/mail-flow');
  await expect(page.getByText('Replies are delivered to mail.acme.example:25')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Recent messages through the gateway' }).getByRole('row').filter({ hasText: `Re: ${subject}` })).toContainText(
    'Reply from the portal, to the inbound route',
  );
});

test('a level 1 administrator generates a DKIM key for a domain, sees and copies the DNS record, rotates it and turns signing off', async ({ page, context }) => {
  // Two RSA key generations on the server.
  test.slow();
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page, 'owner@acme.example');
  await page.goto('/settings/mail-flow');
  const acme = page.getByRole('list', { name: 'DKIM signing by domain' }).getByRole('listitem', { name: 'acme.example' });
  await expect(acme).toContainText('Not signed');
  await acme.getByRole('button', { name: 'Generate a DKIM key for acme.example' }).click();
  await expect(acme).toContainText(/Signing, selector sealpost-\d{6}-[0-9a-f]{4}/);
  const selector = /selector (sealpost-\d{6}-[0-9a-f]{4})/.exec((await acme.textContent()) ?? '')?.[1] ?? '';
  await expect(acme).toContainText(`${selector}._domainkey.acme.example`);
  const value = acme.getByLabel('DNS record value for acme.example');
  await expect(value).toHaveText(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]{300,}=*$/);
  await acme.getByRole('button', { name: 'Copy record value' }).click();
  await expect(acme.getByRole('button', { name: 'Copy record value' })).toContainText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await value.textContent());
  await expectAccessible(page);

  await acme.getByRole('button', { name: 'Rotate the DKIM key of acme.example' }).click();
  const rotate = page.getByRole('alertdialog', { name: 'Rotate the DKIM key of acme.example?' });
  await rotate.getByRole('button', { name: 'Rotate key' }).click();
  await expect(rotate).toBeHidden();
  await expect(acme).toContainText(`Retired selector: ${selector}._domainkey.acme.example`);
  await expect(acme).not.toContainText(`Signing, selector ${selector}`);

  await acme.getByRole('button', { name: 'Turn off DKIM signing for acme.example' }).click();
  await page.getByRole('alertdialog', { name: 'Turn off DKIM signing for acme.example?' }).getByRole('button', { name: 'Turn off' }).click();
  await expect(acme).toContainText('Not signed');

  await page.goto('/events?category=settings');
  await expect(page.getByText('generated a DKIM key for acme.example').first()).toBeVisible();
  await expect(page.getByText('turned DKIM signing off for acme.example').first()).toBeVisible();
});

test('the inbound route: clear errors for a bad host or port, a change is saved and recorded', async ({ page }) => {
  // Three saves and the events page: more than the default minute on a busy machine.
  test.slow();
  await signIn(page, 'owner@acme.example');
  await page.goto('/settings/mail-flow');
  await page.getByLabel('Host', { exact: true }).fill('not a host');
  await page.getByLabel('Port', { exact: true }).fill('0');
  await page.getByRole('button', { name: 'Save inbound route' }).click();
  await expect(page.getByText('Enter the mail server’s full host name (e.g. mail.example.com) or its IP address.')).toBeVisible();
  await expect(page.getByText('Enter a port number from 1 to 65535.')).toBeVisible();
  await expect(page.getByLabel('Host', { exact: true })).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Host', { exact: true }).fill('exchange.acme.example');
  await page.getByLabel('Port', { exact: true }).fill('2525');
  await page.getByLabel('TLS', { exact: true }).selectOption('opportunistic');
  await page.getByRole('button', { name: 'Save inbound route' }).click();
  await expect(page.getByText('Replies are delivered to exchange.acme.example:2525 (TLS when offered)')).toBeVisible();

  // Put the demo's route back (the reply test above relies on it).
  await page.getByLabel('Host', { exact: true }).fill('mail.acme.example');
  await page.getByLabel('Port', { exact: true }).fill('25');
  await page.getByLabel('TLS', { exact: true }).selectOption('verified');
  await page.getByRole('button', { name: 'Save inbound route' }).click();
  await expect(page.getByText('Replies are delivered to mail.acme.example:25 (TLS required, certificate verified)')).toBeVisible();

  await page.goto('/events?category=settings');
  await expect(page.getByText('changed the inbound route from mail.acme.example:25 (TLS required, certificate verified) to exchange.acme.example:2525 (TLS when offered)').first()).toBeVisible();
});
