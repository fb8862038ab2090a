import { expect, test } from '@playwright/test';
import { choosePasswordOnInvitation, expectAccessible, openLinkFromOutbox, signIn } from './helpers';

test('a level 1 administrator invites an administrator, who chooses a password, and is cut off when deactivated', async ({ page, browser }) => {
  await signIn(page, 'owner@acme.example');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Administrators' }).click();
  await expect(page.getByRole('heading', { name: 'Administrators', level: 1 })).toBeVisible();
  await expectAccessible(page);

  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add administrator' });
  await expect(dialog).toBeVisible();
  // Nobody chooses a password for someone else.
  await expect(dialog.getByLabel(/password/i)).toHaveCount(0);
  await expectAccessible(page);
  // Refusals first: nothing typed.
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText('Enter a name.')).toBeVisible();

  await dialog.getByLabel('Name').fill('Nadia Novak');
  await dialog.getByLabel('Email address').fill('nadia.novak@acme.example');
  await dialog.getByLabel('Phone').fill('555 0177');
  await dialog.getByLabel('Level').selectOption({ label: 'Level 2 — General administration' });
  await dialog.getByLabel('City').fill('Boston');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText(/^This phone number/)).toBeVisible();
  await dialog.getByLabel('Phone').fill('(617) 555-0177');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('We emailed nadia.novak@acme.example a link to choose a password.')).toBeVisible();
  const invitations = page.getByRole('table', { name: 'Pending invitations' });
  const pending = invitations.getByRole('row').filter({ hasText: 'nadia.novak@acme.example' });
  await expect(pending).toContainText('2 · General administration');
  await expect(pending).toContainText('Expires');
  // Not an administrator until accepted.
  await expect(page.getByRole('table', { name: 'Administrators' }).getByRole('row').filter({ hasText: 'nadia.novak@acme.example' })).toHaveCount(0);
  await expectAccessible(page);

  // The invitation is in the audit trail.
  await page.goto('/dashboard');
  await expect(page.getByText('Olivia Bennett (owner@acme.example) invited Nadia Novak (nadia.novak@acme.example) to be a level 2 administrator')).toBeVisible();

  // She opens the link from her mailbox and chooses her own password, then signs in.
  const theirs = await browser.newContext();
  const nadia = await theirs.newPage();
  await openLinkFromOutbox(nadia, 'nadia.novak@acme.example', '/accept-invitation/');
  await expect(nadia.getByText('Nadia Novak, you are invited to be a level 2 (General administration) administrator of Acme Health.')).toBeVisible();
  await expectAccessible(nadia);
  await choosePasswordOnInvitation(nadia, 'Granite-Orchard-Compass-2');
  await expect(nadia.getByLabel('Email address')).toHaveValue('nadia.novak@acme.example');
  await signIn(nadia, 'nadia.novak@acme.example', 'Granite-Orchard-Compass-2');
  await expect(nadia).toHaveURL(/\/dashboard$/);

  await page.goto('/administrators');
  const row = page.getByRole('table', { name: 'Administrators' }).getByRole('row').filter({ hasText: 'nadia.novak@acme.example' });
  await expect(row).toContainText('2 · General administration');
  await expect(row).toContainText('+1 617 555 0177');
  await expect(page.getByRole('table', { name: 'Pending invitations' })).toHaveCount(0);

  // A level 2 administrator sees administrators but cannot manage them.
  await nadia.goto('/administrators');
  await expect(nadia.getByRole('heading', { name: 'Administrators', level: 1 })).toBeVisible();
  await expect(nadia.getByRole('button', { name: 'Add', exact: true })).toHaveCount(0);

  // The owner edits her level, then deactivates her.
  await page.goto('/administrators');
  await page.getByRole('button', { name: 'Edit Nadia Novak' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit Nadia Novak' });
  await edit.getByLabel('Level').selectOption({ label: 'Level 3 — Read-only' });
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByRole('row').filter({ hasText: 'nadia.novak@acme.example' })).toContainText('3 · Read-only');

  // The level change ended her session.
  await nadia.goto('/dashboard');
  await expect(nadia).toHaveURL(/\/login/);
  await signIn(nadia, 'nadia.novak@acme.example', 'Granite-Orchard-Compass-2');
  await expect(nadia).toHaveURL(/\/dashboard$/);

  await expect(page.getByRole('button', { name: /^Delete/ })).toHaveCount(0);
  await page.getByRole('button', { name: 'Deactivate Nadia Novak' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Deactivate Nadia Novak?' });
  await expect(confirm).toContainText('can no longer sign in');
  await confirm.getByRole('button', { name: 'Deactivate' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByRole('row').filter({ hasText: 'nadia.novak@acme.example' })).toContainText('Inactive');

  // Refused on her very next request, and she cannot sign in again.
  await nadia.reload();
  await expect(nadia).toHaveURL(/\/login/);
  await signIn(nadia, 'nadia.novak@acme.example', 'Granite-Orchard-Compass-2');
  await expect(nadia.getByText('Incorrect email address or password.')).toBeVisible();

  // Reactivation restores access.
  await page.getByRole('button', { name: 'Reactivate Nadia Novak' }).click();
  await page.getByRole('alertdialog', { name: 'Reactivate Nadia Novak?' }).getByRole('button', { name: 'Reactivate' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'nadia.novak@acme.example' })).toContainText('Active');
  await signIn(nadia, 'nadia.novak@acme.example', 'Granite-Orchard-Compass-2');
  await expect(nadia).toHaveURL(/\/dashboard$/);
  await theirs.close();
});

test('an email change waits for confirmation from the new address', async ({ page, browser }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/administrators');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const add = page.getByRole('dialog', { name: 'Add administrator' });
  await add.getByLabel('Name').fill('Ezra Moss');
  await add.getByLabel('Email address').fill('ezra.moss@acme.example');
  await add.getByRole('button', { name: 'Send invitation' }).click();
  await expect(add).toBeHidden();
  const invited = await browser.newContext();
  const ezra = await invited.newPage();
  await openLinkFromOutbox(ezra, 'ezra.moss@acme.example', '/accept-invitation/');
  await choosePasswordOnInvitation(ezra, 'Harbor-Lights-Welcome-7');
  await invited.close();
  await page.reload();

  // Typing a new address only asks for it.
  await page.getByRole('button', { name: 'Edit Ezra Moss' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit Ezra Moss' });
  await expect(edit.getByText('A new address changes only when the link we send to it is opened.')).toBeVisible();
  await edit.getByLabel('Email address').fill('ezra.m@acme.example');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit).toBeHidden();
  await expect(page.getByText('We sent a confirmation link to ezra.m@acme.example')).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: 'Ezra Moss' });
  await expect(row).toContainText('ezra.moss@acme.example');
  await expect(row).toContainText('Waiting for confirmation from ezra.m@acme.example');
  await expectAccessible(page);
  await page.screenshot({ path: 'test-results/administrators-pending-email.png', fullPage: true });
  await row.getByRole('button', { name: 'Resend the confirmation link to ezra.m@acme.example' }).click();
  await expect(page.getByText('Confirmation link sent again to ezra.m@acme.example')).toBeVisible();

  // Whoever reads the new address confirms it (the newest link; the first was replaced).
  const context = await browser.newContext();
  const theirs = await context.newPage();
  await openLinkFromOutbox(theirs, 'ezra.m@acme.example', '/confirm-email/');
  await expect(theirs.getByRole('heading', { name: 'Confirm your new email address' })).toBeVisible();
  await expect(theirs.getByText('Ezra Moss will sign in to Sealpost with ezra.m@acme.example instead of ezra.moss@acme.example.')).toBeVisible();
  await expectAccessible(theirs);
  const link = theirs.url();
  await theirs.getByRole('button', { name: 'Confirm ezra.m@acme.example' }).click();
  await expect(theirs.getByText('From now on, sign in with ezra.m@acme.example.')).toBeVisible();
  await theirs.goto(link);
  await expect(theirs.getByText('This link cannot be used')).toBeVisible();
  await context.close();

  await page.reload();
  await expect(row).toContainText('ezra.m@acme.example');
  await expect(row).not.toContainText('Waiting for confirmation');

  // A change asked for and then cancelled changes nothing.
  await page.getByRole('button', { name: 'Edit Ezra Moss' }).click();
  await edit.getByLabel('Email address').fill('ezra.other@acme.example');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(row).toContainText('Waiting for confirmation from ezra.other@acme.example');
  await row.getByRole('button', { name: 'Cancel the email change of Ezra Moss' }).click();
  await expect(page.getByText('Email change of Ezra Moss cancelled')).toBeVisible();
  await expect(row).not.toContainText('Waiting for confirmation');
  await expect(row).toContainText('ezra.m@acme.example');
});

test('the last active level 1 administrator cannot be demoted', async ({ page }) => {
  await signIn(page, 'owner@acme.example');
  await page.goto('/administrators');
  await page.getByRole('button', { name: 'Edit Olivia Bennett' }).click();
  const edit = page.getByRole('dialog', { name: 'Edit Olivia Bennett' });
  await edit.getByLabel('Level').selectOption({ label: 'Level 2 — General administration' });
  await edit.getByRole('button', { name: 'Save changes' }).click();
  await expect(edit.getByText('This is the last active level 1 administrator')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Deactivate Olivia Bennett' })).toHaveCount(0);
});

test('a read-only administrator sees everything and is offered no change', async ({ page }) => {
  await signIn(page, 'viewer@acme.example');
  for (const [link, heading] of [
    ['Administrators', 'Administrators'],
    ['Events', 'Events'],
    ['Policies', 'Policies'],
  ]) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
    await expect(page.getByRole('heading', { name: heading, level: 1 })).toBeVisible();
    await expectAccessible(page);
  }
  await page.goto('/administrators');
  await expect(page.getByRole('button', { name: /^(Add|Edit|Deactivate|Reactivate|Resend|Revoke)/ })).toHaveCount(0);
});

test('policies are listed with their history', async ({ page }) => {
  await signIn(page, 'manager@acme.example');
  await page.goto('/policies');
  await expect(page.getByText('Subject contains [secure]')).toBeVisible();
  await expect(page.getByText('Deliver by secure message, expire after 30 days, read receipt on')).toBeVisible();
  await expect(page.getByText('Recipients without TLS', { exact: true })).toBeVisible();
  await expect(page.getByText('Expiry changed from 14 to 30 days; read receipt turned on')).toBeVisible();
  await expectAccessible(page);
});

test("Globex's administrator never sees Acme's administrators or policies", async ({ page }) => {
  await signIn(page, 'owner@globex.example');
  await page.goto('/administrators');
  await expect(page.getByText('acme.example')).toHaveCount(0);
  await page.goto('/policies');
  await expect(page.getByText('[secure]')).toHaveCount(0);
  await expect(page.getByText('Sender is in Legal')).toBeVisible();
});
