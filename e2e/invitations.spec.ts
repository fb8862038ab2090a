import { expect, test } from '@playwright/test';
import { choosePasswordOnInvitation, expectAccessible, openLinkFromOutbox, signIn } from './helpers';

/** Invites `name` <email> at level 3 from /administrators (signed in as the demo owner). */
async function invite(page: import('@playwright/test').Page, name: string, email: string) {
  await page.goto('/administrators');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add administrator' });
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Email address').fill(email);
  await dialog.getByLabel('Level').selectOption({ label: 'Level 3 — Read-only' });
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog).toBeHidden();
  return page.getByRole('table', { name: 'Pending invitations' }).getByRole('row').filter({ hasText: email });
}

test('opening an invitation accepts nothing; a resend replaces the link; a revoked link says so', async ({ page, browser }) => {
  await signIn(page, 'owner@acme.example');
  const pending = await invite(page, 'Ines Ortega', 'ines.ortega@acme.example');
  await expect(pending).toBeVisible();

  const theirs = await browser.newContext();
  const ines = await theirs.newPage();
  await openLinkFromOutbox(ines, 'ines.ortega@acme.example', '/accept-invitation/');
  const firstLink = ines.url();
  // Merely opening the link (as a mail scanner would) leaves the invitation pending.
  await page.reload();
  await expect(pending).toBeVisible();

  // Resend, after a confirmation: a new link; the first stops working.
  await pending.getByRole('button', { name: 'Resend the invitation to ines.ortega@acme.example' }).click();
  const resend = page.getByRole('alertdialog', { name: 'Resend the invitation to ines.ortega@acme.example?' });
  await expect(resend).toContainText('The link sent before stops working.');
  await resend.getByRole('button', { name: 'Resend' }).click();
  await expect(page.getByText('Invitation sent again to ines.ortega@acme.example')).toBeVisible();
  await ines.goto(firstLink);
  await expect(ines.getByText('This invitation cannot be used')).toBeVisible();
  await expect(ines.getByRole('button', { name: 'Set password' })).toHaveCount(0);

  await openLinkFromOutbox(ines, 'ines.ortega@acme.example', '/accept-invitation/');
  const secondLink = ines.url();
  expect(secondLink).not.toBe(firstLink);
  await expect(ines.getByRole('heading', { name: 'Accept your invitation' })).toBeVisible();

  // Revoke, after a confirmation: the page says the invitation was revoked.
  await page.reload();
  await pending.getByRole('button', { name: 'Revoke the invitation of Ines Ortega' }).click();
  const revoke = page.getByRole('alertdialog', { name: 'Revoke the invitation of Ines Ortega?' });
  await expectAccessible(page);
  await revoke.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('Invitation of Ines Ortega revoked')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Pending invitations' }).getByRole('row').filter({ hasText: 'ines.ortega@acme.example' })).toHaveCount(0);

  // The form she still has open is refused too.
  await ines.getByLabel('New password', { exact: true }).fill('Violet-Canyon-Lantern-6');
  await ines.getByLabel('Confirm new password').fill('Violet-Canyon-Lantern-6');
  await ines.getByRole('button', { name: 'Set password' }).click();
  await expect(ines.getByText('This invitation was revoked.')).toBeVisible();
  await ines.goto(secondLink);
  await expect(ines.getByText('This invitation was revoked.')).toBeVisible();
  await expectAccessible(ines);
  await signIn(ines, 'ines.ortega@acme.example', 'Violet-Canyon-Lantern-6');
  await expect(ines.getByText('Incorrect email address or password.')).toBeVisible();

  // Invited again, she accepts, and the revoke and acceptance are in the audit trail.
  await invite(page, 'Ines Ortega', 'ines.ortega@acme.example');
  await openLinkFromOutbox(ines, 'ines.ortega@acme.example', '/accept-invitation/');
  await choosePasswordOnInvitation(ines, 'Violet-Canyon-Lantern-6');
  await signIn(ines, 'ines.ortega@acme.example', 'Violet-Canyon-Lantern-6');
  await expect(ines).toHaveURL(/\/dashboard$/);
  await theirs.close();

  await page.goto('/events?category=administrators');
  await expect(page.getByText('owner@acme.example revoked the invitation of Ines Ortega (ines.ortega@acme.example)')).toBeVisible();
  await expect(page.getByText('owner@acme.example sent again the invitation of Ines Ortega (ines.ortega@acme.example)')).toBeVisible();
  await expect(page.getByText(/Ines Ortega \(ines\.ortega@acme\.example\) accepted the invitation/)).toBeVisible();
});
