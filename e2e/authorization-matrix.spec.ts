import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type APIRequestContext, type Browser } from '@playwright/test';
import postgres from 'postgres';
import { actionAccess, routeAccess, type Access, type ActionName } from '../lib/auth/access';
import { can, type AdminLevel } from '../lib/auth/permissions';
import { createOrganisationAndOwner, signIn, signInToPortal } from './helpers';

/**
 * The authorization matrix: every server action the build exposes and every route
 * handler, called as each kind of principal; the expected outcome of every cell comes from the
 * one access table (lib/auth/access.ts). An action or route missing from the table fails here.
 */
/**
 * `passwordOnly`: the owner of a new organisation (which requires two-factor authentication) who
 * has signed in with the password and not enrolled yet: only enrolment (and signing out) is
 * allowed. `staleStepUp`: a level 1 session whose last authentication is older than the 10
 * minutes of step-up (its record is moved back in the database): every `stepUp` action answers
 * `step_up_required`, everything else as for level 1.
 */
type Principal = { name: string; email?: string; level?: AdminLevel; otherOrg?: boolean; portal?: boolean; passwordOnly?: boolean; staleStepUp?: boolean };
const principals: Principal[] = [
  { name: 'secure-message user', email: 'pat@partner.example', portal: true },
  { name: 'no session' },
  { name: 'level 1', email: 'owner@acme.example', level: 1 },
  { name: 'level 1 who must step up', email: 'owner@acme.example', level: 1, staleStepUp: true },
  { name: 'password only (two-factor required, not enrolled)', level: 1, passwordOnly: true },
  { name: 'level 2', email: 'manager@acme.example', level: 2 },
  { name: 'level 3', email: 'viewer@acme.example', level: 3 },
  { name: 'other organisation (level 1)', email: 'owner@globex.example', level: 1, otherOrg: true },
];

type Ids = { acmeManagerId: string; acmeViewerId: string; acmeLicensedEmailId: string; acmeOrderId: string; acmeInvoiceId: string; acmeMessageId: string; acmeRecipientId: string; acmeSuppressionId: string };

/** A well-formed passkey answer that no passkey signed. */
const matrixAssertion = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', clientExtensionResults: {}, response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' } };

/** A valid input per action, aimed at Acme's data: what a refused caller would try. */
const sampleInputs: Record<ActionName, (ids: Ids) => unknown> = {
  signInAction: () => ({ email: 'owner@acme.example', password: 'wrong-password' }),
  verifySecondFactorAction: () => ({ code: '000000' }),
  secondFactorPasskeyOptionsAction: () => ({}),
  verifySecondFactorPasskeyAction: () => ({ challengeId: '00000000-0000-4000-8000-000000000000', response: matrixAssertion }),
  passkeySignInOptionsAction: () => ({}),
  passkeySignInAction: () => ({ challengeId: '00000000-0000-4000-8000-000000000000', response: matrixAssertion }),
  signInMethodAction: () => ({ email: 'owner@acme.example' }),
  startDomainSignInAction: () => ({ email: 'owner@acme.example' }),
  portalSignInMethodAction: () => ({ email: 'alice@acme.example' }),
  startPortalDomainSignInAction: () => ({ email: 'alice@acme.example' }),
  saveIdentityProviderAction: () => ({ issuer: 'https://idp.evil.example', clientId: 'x', clientSecret: 'y', domains: ['acme.example'], requiredForAdministrators: true }),
  testIdentityProviderAction: () => ({ issuer: 'https://idp.evil.example', clientId: 'x', clientSecret: 'y' }),
  removeIdentityProviderAction: () => ({}),
  unlinkDomainIdentityAction: () => ({ email: 'manager@acme.example' }),
  requestPasswordResetAction: () => ({ email: 'nobody@acme.example' }),
  resetPasswordAction: () => ({ token: 'x'.repeat(43), newPassword: 'Matrix-Test-Pass-1', confirmPassword: 'Matrix-Test-Pass-1' }),
  changePasswordAction: () => ({ currentPassword: 'wrong', newPassword: 'Matrix-Test-Pass-1', confirmPassword: 'Matrix-Test-Pass-1' }),
  signOutAction: () => ({}),
  confirmTotpAction: () => ({ code: '000000' }),
  confirmStepUpAction: () => ({ password: 'wrong-password' }),
  resetTwoFactorAction: (ids) => ({ id: ids.acmeManagerId }),
  regenerateRecoveryCodesAction: () => ({}),
  passkeyRegistrationOptionsAction: () => ({}),
  addPasskeyAction: () => ({
    challengeId: '00000000-0000-4000-8000-000000000000',
    name: 'Intruder key',
    response: { id: 'AAAA', rawId: 'AAAA', type: 'public-key', clientExtensionResults: {}, response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA' } },
  }),
  renamePasskeyAction: () => ({ id: '00000000-0000-4000-8000-000000000000', name: 'Renamed by intruder' }),
  removePasskeyAction: () => ({ id: '00000000-0000-4000-8000-000000000000' }),
  // Turning the requirement off is what an intruder would try (and a no-op for the demo data).
  saveTwoFactorRequirementAction: () => ({ required: false }),
  addAdministratorAction: () => ({
    name: 'Mallory',
    email: 'mallory@acme.example',
    phone: '',
    addressLine1: '',
    addressLine2: '',
    city: '',
    region: '',
    postalCode: '',
    country: '',
    level: 1,
  }),
  updateAdministratorAction: (ids) => ({
    id: ids.acmeManagerId,
    name: 'Hijacked',
    email: 'manager@acme.example',
    phone: '',
    addressLine1: '',
    addressLine2: '',
    city: '',
    region: '',
    postalCode: '',
    country: '',
    level: 1,
  }),
  deactivateAdministratorAction: (ids) => ({ id: ids.acmeViewerId }),
  deactivateAdministratorsAction: (ids) => ({ ids: [ids.acmeViewerId] }),
  reactivateAdministratorAction: (ids) => ({ id: ids.acmeViewerId }),
  resendEmailChangeAction: (ids) => ({ id: ids.acmeManagerId }),
  cancelEmailChangeAction: (ids) => ({ id: ids.acmeManagerId }),
  confirmEmailChangeAction: () => ({ token: 'z'.repeat(43) }),
  resendInvitationAction: () => ({ id: '00000000-0000-4000-8000-000000000000' }),
  revokeInvitationAction: () => ({ id: '00000000-0000-4000-8000-000000000000' }),
  acceptInvitationAction: () => ({ token: 'w'.repeat(43), newPassword: 'Matrix-Test-Pass-1', confirmPassword: 'Matrix-Test-Pass-1' }),
  addLicensedEmailsAction: () => ({ entries: [{ local: 'intruder', domain: 'acme.example' }] }),
  buyLicensesForAddressesAction: () => ({ entries: [{ local: 'intruder', domain: 'acme.example' }], quantity: 1 }),
  renameLicensedEmailAction: (ids) => ({ id: ids.acmeLicensedEmailId, local: 'renamed-by-intruder', domain: 'acme.example' }),
  removeLicensedEmailAction: (ids) => ({ id: ids.acmeLicensedEmailId }),
  removeLicensedEmailsAction: (ids) => ({ mode: 'ids', ids: [ids.acmeLicensedEmailId] }),
  saveColumnPreferencesAction: () => ({ list: '/licensed-emails', hidden: [] }),
  checkoutAction: (ids) => ({ orderId: ids.acmeOrderId, poNumber: 'PO-X', method: 'check' }),
  payWithCardAction: (ids) => ({
    orderId: ids.acmeOrderId,
    name: 'Intruder',
    addressLine1: '1 Way',
    addressLine2: '',
    city: 'Town',
    region: '',
    postalCode: '00000',
    country: 'US',
    cardNumber: '4242424242424242',
    expiry: '12/34',
    cvc: '123',
  }),
  confirmCheckAction: (ids) => ({ orderId: ids.acmeOrderId }),
  startRenewalAction: () => ({ poNumber: '' }),
  startLicensePurchaseAction: () => ({ quantity: 1 }),
  payInvoiceWithCardAction: (ids) => ({ invoiceId: ids.acmeInvoiceId, name: 'Intruder', cardNumber: '4242424242424242', expiry: '12/34', cvc: '123' }),
  saveBillingEmailAction: () => ({ billingEmail: 'intruder@evil.example' }),
  portalSignInAction: () => ({ email: 'pat@partner.example', password: 'wrong-password' }),
  requestPortalPasswordLinkAction: () => ({ email: 'nobody@partner.example' }),
  setPortalPasswordAction: () => ({ token: 'y'.repeat(43), newPassword: 'Matrix-Test-Pass-1', confirmPassword: 'Matrix-Test-Pass-1' }),
  changePortalPasswordAction: () => ({ currentPassword: 'wrong', newPassword: 'Matrix-Test-Pass-1', confirmPassword: 'Matrix-Test-Pass-1' }),
  portalSignOutAction: () => ({}),
  sendMessageAction: () => ({ to: ['alice@acme.example'], subject: 'Matrix', body: 'x' }),
  markMessageAction: (ids) => ({ id: ids.acmeMessageId, read: false }),
  deleteMessageAction: (ids) => ({ id: ids.acmeMessageId }),
  markMessagesAction: (ids) => ({ ids: [ids.acmeMessageId], read: true }),
  deleteMessagesAction: () => ({ ids: ['00000000-0000-4000-8000-000000000000'] }),
  recallOwnMessageAction: (ids) => ({ id: ids.acmeMessageId }),
  savePreferencesAction: () => ({ dateFormat: 'yyyy-MM-dd', timeFormat: '24h', weekStartsOn: 1, timeZone: 'UTC', signature: 'matrix' }),
  adoptDeviceTimeZoneAction: () => ({ timeZone: 'UTC' }),
  findContactsAction: () => ({ search: 'a' }),
  recallMessageAction: (ids) => ({ messageId: ids.acmeMessageId }),
  saveMessageSettingsAction: () => ({ retentionDays: null, senderMayRecall: false }),
  extendMessageAction: (ids) => ({ messageId: ids.acmeMessageId, days: 7 }),
  requestPolicyChangeAction: () => ({ policyId: '', details: 'Matrix: a new policy for us, please.' }),
  recallMessagesAction: (ids) => ({ selection: { mode: 'ids', ids: [ids.acmeMessageId] }, reason: 'Matrix test' }),
  extendMessagesAction: (ids) => ({ selection: { mode: 'ids', ids: [ids.acmeMessageId] }, reason: 'Matrix test', days: 7 }),
  createApiKeyAction: () => ({ name: 'Matrix key' }),
  revokeApiKeyAction: () => ({ id: '00000000-0000-4000-8000-000000000000' }),
  createConnectorAction: () => ({ name: 'Matrix connector', allowedRanges: '192.0.2.0/24' }),
  updateConnectorRangesAction: () => ({ id: '00000000-0000-4000-8000-000000000000', allowedRanges: '192.0.2.0/24' }),
  deleteConnectorAction: () => ({ id: '00000000-0000-4000-8000-000000000000' }),
  saveInboundRouteAction: () => ({ host: 'mail.evil.example', port: 25, tls: 'opportunistic' }),
  removeInboundRouteAction: () => ({}),
  generateDkimKeyAction: () => ({ domain: 'acme.example' }),
  rotateDkimKeyAction: () => ({ domain: 'acme.example' }),
  disableDkimKeyAction: () => ({ domain: 'acme.example' }),
  updateRecipientPhoneAction: (ids) => ({ id: ids.acmeRecipientId, phone: '+1 617 555 0101' }),
  deleteRecipientAction: (ids) => ({ id: ids.acmeRecipientId }),
  deleteRecipientsAction: (ids) => ({ mode: 'ids', ids: [ids.acmeRecipientId] }),
  addSuppressionAction: () => ({ address: 'intruder-added@example.com', note: '' }),
  removeSuppressionAction: (ids) => ({ id: ids.acmeSuppressionId }),
  updateSoftBounceSettingsAction: () => ({ softBounceLimit: 1, softBounceDays: 1 }),
  sendSmsCodeAction: () => ({ orgId: '00000000-0000-4000-8000-000000000000' }),
  verifySmsCodeAction: () => ({ orgId: '00000000-0000-4000-8000-000000000000', code: '000000' }),
  saveDraftAction: () => ({ draftId: '00000000-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', subject: 'Matrix' }),
  deleteDraftAction: () => ({ id: '00000000-0000-4000-8000-000000000000' }),
  setLogoAction: () => ({ logo: 'not-a-file' }),
  removeLogoAction: () => ({}),
};
/** Actions whose sample names an Acme record, so another organisation must get "not found". */
const targetsARecord: ActionName[] = [
  'unlinkDomainIdentityAction',
  'updateAdministratorAction',
  'deactivateAdministratorAction',
  'reactivateAdministratorAction',
  'resetTwoFactorAction',
  'resendEmailChangeAction',
  'cancelEmailChangeAction',
  'renameLicensedEmailAction',
  'removeLicensedEmailAction',
  'checkoutAction',
  'payWithCardAction',
  'confirmCheckAction',
  'payInvoiceWithCardAction',
  'recallMessageAction',
  'recallOwnMessageAction',
  'extendMessageAction',
  'revokeApiKeyAction',
  'updateConnectorRangesAction',
  'deleteConnectorAction',
  'generateDkimKeyAction',
  'rotateDkimKeyAction',
  'disableDkimKeyAction',
  'updateRecipientPhoneAction',
  'deleteRecipientAction',
  'removeSuppressionAction',
];

type ManifestEntry = { workers: Record<string, unknown>; filename?: string; exportedName?: string };

function exposedActions() {
  const file = path.join(process.cwd(), '.next/server/server-reference-manifest.json');
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8')) as { node: Record<string, ManifestEntry> };
  return Object.entries(manifest.node).map(([id, entry]) => {
    const worker = Object.keys(entry.workers)[0] ?? '';
    // 'app/(admin)/administrators/page' → '/administrators'
    const pagePath = worker.replace(/^app/, '').replace(/\/\([^)]+\)/g, '').replace(/\/page$/, '') || '/';
    return { id, name: entry.exportedName ?? '', filename: entry.filename ?? '', pagePath };
  });
}

function exposedRoutes(): string[] {
  const file = path.join(process.cwd(), '.next/server/app-paths-manifest.json');
  return Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>)
    .filter((key) => key.endsWith('/route') && !/\/(icon|apple-icon|favicon|opengraph-image|robots|sitemap)[^/]*\/route$/.test(key))
    .map((key) => key.replace(/\/\([^)]+\)/g, '').replace(/\/route$/, ''));
}

async function callAction(request: APIRequestContext, action: { id: string; pagePath: string }, input: unknown) {
  const response = await request.post(action.pagePath, {
    headers: { 'Next-Action': action.id, 'Content-Type': 'text/plain;charset=UTF-8', Accept: 'text/x-component' },
    data: JSON.stringify([input]),
    maxRedirects: 0,
  });
  const body = await response.text();
  if (response.headers()['x-action-redirect']) return { ok: true, code: 'redirect' };
  const code = /"ok":false,"error":\{"code":"([a-z_]+)"/.exec(body)?.[1];
  if (code) return { ok: false, code };
  if (/"ok":true/.test(body)) return { ok: true, code: 'ok' };
  return { ok: false, code: `unparsed ${response.status()}: ${body.slice(0, 200)}` };
}

function allowed(access: Access, principal: Principal): boolean {
  if (access.kind === 'public') return true;
  if (access.kind === 'signed' || access.kind === 'api_key' || access.kind === 'operator_token') return false;
  if (access.kind === 'portal') return Boolean(principal.portal);
  if (principal.portal) return false;
  if (principal.passwordOnly && !access.allowPendingEnrolment) return false;
  return principal.level !== undefined && can(principal.level, access.permission);
}

/** An administrator refused for want of a fresh step-up (the level itself allows the action). */
function mustStepUp(access: Access, principal: Principal): boolean {
  return access.kind === 'administrator' && Boolean(access.stepUp) && Boolean(principal.staleStepUp) && allowed(access, principal);
}

async function sessionFor(browser: Browser, principal: Principal) {
  const context = await browser.newContext();
  if (principal.passwordOnly) {
    const page = await context.newPage();
    const password = 'Matrix-Password-Only-7';
    const { email } = await createOrganisationAndOwner(page, password);
    await signIn(page, email, password);
    await expect(page).toHaveURL(/\/two-factor$/);
    await page.close();
  } else if (principal.email) {
    const page = await context.newPage();
    if (principal.portal) {
      await signInToPortal(page, principal.email);
      await expect(page).toHaveURL(/\/secure\/inbox$/);
    } else {
      await signIn(page, principal.email);
      await expect(page).toHaveURL(/\/dashboard$/);
    }
    await page.close();
    if (principal.staleStepUp) {
      // This sign-in (the newest record of the account; the e2e run is serial) authenticated 11
      // minutes ago, as far as the server can tell.
      const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
      const [moved] = await sql<{ sessionId: string }[]>`
        update administrator_session_authentications set authenticated_at = now() - interval '11 minutes'
        where session_id = (
          select s.session_id from administrator_session_authentications s join administrators a on a.id = s.administrator_id
          where a.email = ${principal.email} order by s.signed_in_at desc limit 1)
        returning session_id as "sessionId"`;
      await sql.end();
      expect(moved).toBeDefined();
    }
  }
  return context;
}

test('every exposed server action and route handler is in the access table', () => {
  const actions = exposedActions();
  expect(actions.length).toBeGreaterThan(0);
  for (const action of actions) expect(Object.keys(actionAccess), `${action.filename} ${action.name}`).toContain(action.name);
  for (const route of exposedRoutes()) expect(Object.keys(routeAccess), route).toContain(route);
  // Every action in a source file is in the table too, even one no page imports yet.
  const sources = fs.readdirSync('app', { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && d.name === 'actions.ts');
  for (const source of sources) {
    const text = fs.readFileSync(path.join(source.parentPath, source.name), 'utf8');
    for (const match of text.matchAll(/export (?:const|async function) (\w+)/g)) expect(Object.keys(actionAccess), match[1]).toContain(match[1]);
  }
});

test.describe('authorization matrix', () => {
  let ids: Ids;
  test.beforeAll(async () => {
    const sql = postgres(process.env.E2E_DATABASE_URL ?? '', { max: 1 });
    const rows = await sql<{ email: string; id: string }[]>`select email, id from administrators where email in ('manager@acme.example', 'viewer@acme.example')`;
    const [licensed] = await sql<{ id: string }[]>`select l.id from licensed_emails l join domains d on d.org_id = l.org_id where d.domain = 'acme.example' limit 1`;
    // An open order of Acme's, for the cells that try to pay or confirm it from outside.
    const [order] = await sql<{ id: string }[]>`
      insert into orders (org_id, kind, quantity, unit_price_cents, days_charged, days_in_term, subtotal_cents, total_cents, lines, priced_for_renewal_date)
      select s.org_id, 'licenses', 1, 2700, 10, 365, 74, 74, '[]'::jsonb, s.renewal_date
      from subscriptions s join domains d on d.org_id = s.org_id where d.domain = 'acme.example'
      returning id`;
    // A fulfilled order of Acme's with its invoice, for the invoice routes.
    const [invoice] = await sql<{ id: string }[]>`
      with o as (
        insert into orders (org_id, kind, status, quantity, unit_price_cents, days_charged, days_in_term, subtotal_cents, total_cents, lines, priced_for_renewal_date, payment_method)
        select s.org_id, 'licenses', 'fulfilled', 1, 2700, 10, 365, 74, 74, '[]'::jsonb, s.renewal_date, 'check'
        from subscriptions s join domains d on d.org_id = s.org_id where d.domain = 'acme.example'
        returning id, org_id
      )
      insert into invoices (org_id, order_id, number, issued_on, due_on, status, payment_method, bill_to, lines, subtotal_cents, discount_cents, tax_cents, total_cents)
      select org_id, id, 'MATRIX-' || substr(md5(random()::text), 1, 8), current_date, current_date + 30, 'open', 'check',
        '{"name":"Matrix","organisation":"Acme Health","lines":[]}'::jsonb, '[]'::jsonb, 74, 0, 0, 74
      from o returning id`;
    const [message] = await sql<{ id: string }[]>`select m.id from secure_messages m join domains d on d.org_id = m.org_id where d.domain = 'acme.example' order by m.sent_at desc limit 1`;
    const [recipient] = await sql<{ id: string }[]>`select r.id from recipient_accounts r join domains d on d.org_id = r.org_id where d.domain = 'acme.example' limit 1`;
    // An address on Acme's suppression list, for the cell that tries to remove it from outside.
    const [suppression] = await sql<{ id: string }[]>`
      insert into suppressions (org_id, address, source, reason, detail, created_by)
      select d.org_id, 'matrix-suppressed@partner.example', 'manual', 'manual', 'authorization matrix', 'matrix'
      from domains d where d.domain = 'acme.example'
      on conflict (org_id, address) do update set detail = excluded.detail
      returning id`;
    await sql.end();
    ids = {
      acmeSuppressionId: suppression?.id ?? '',
      acmeRecipientId: recipient?.id ?? '',
      acmeMessageId: message?.id ?? '',
      acmeManagerId: rows.find((r) => r.email === 'manager@acme.example')?.id ?? '',
      acmeViewerId: rows.find((r) => r.email === 'viewer@acme.example')?.id ?? '',
      acmeLicensedEmailId: licensed?.id ?? '',
      acmeOrderId: order?.id ?? '',
      acmeInvoiceId: invoice?.id ?? '',
    };
  });

  for (const principal of principals) {
    test(`server actions as ${principal.name}`, async ({ browser }) => {
      // A new organisation through the command line first, on a shared machine.
      if (principal.passwordOnly) test.setTimeout(240_000);
      const context = await sessionFor(browser, principal);
      const failures: string[] = [];
      // signOutAction last: when allowed it really ends the session.
      const actions = exposedActions().sort((a, b) => Number(a.name === 'signOutAction') - Number(b.name === 'signOutAction'));
      for (const action of actions) {
        const name = action.name as ActionName;
        const access = actionAccess[name];
        if (mustStepUp(access, principal)) {
          // Refused before its input is read, whatever it is.
          for (const input of ['not-an-object', sampleInputs[name](ids)]) {
            const result = await callAction(context.request, action, input);
            if (result.ok || result.code !== 'step_up_required') failures.push(`${name}: expected step_up_required, got ${result.code}`);
          }
        } else if (allowed(access, principal)) {
          // Past the permission check, a malformed input is the only refusal left.
          const result = await callAction(context.request, action, 'not-an-object');
          if (result.code !== 'invalid_input') failures.push(`${name}: expected invalid_input, got ${result.code}`);
          if (principal.otherOrg && targetsARecord.includes(name)) {
            const foreign = await callAction(context.request, action, sampleInputs[name](ids));
            if (foreign.code !== 'not_found') failures.push(`${name} on Acme's record: expected not_found, got ${foreign.code}`);
          }
        } else {
          // Without the right kind of session an action answers "unauthenticated"; with an
          // administrator's session but too low a level, "forbidden".
          const expected = principal.level === undefined || access.kind === 'portal' ? 'unauthenticated' : 'forbidden';
          const result = await callAction(context.request, action, sampleInputs[name](ids));
          if (result.ok || result.code !== expected) failures.push(`${name}: expected ${expected}, got ${result.code}`);
        }
      }
      expect(failures).toEqual([]);
      await context.close();
    });

    test(`route handlers as ${principal.name}`, async ({ browser }) => {
      if (principal.passwordOnly) test.setTimeout(240_000);
      const context = await sessionFor(browser, principal);
      const samplePath: Record<string, string> = {
        '/api/auth/[...nextauth]': '/api/auth/session',
        '/invoices/[id]/pdf': `/invoices/${ids.acmeInvoiceId}/pdf`,
        '/secure/attachments/[id]': '/secure/attachments/00000000-0000-4000-8000-000000000000',
      };
      const failures: string[] = [];
      for (const [route, methods] of Object.entries(routeAccess)) {
        for (const [method, access] of Object.entries(methods) as [string, Access][]) {
          if (route === '/api/auth/[...nextauth]' && method === 'POST') continue; // Auth.js's own CSRF-checked endpoints
          const url = samplePath[route] ?? route;
          // A body that changes nothing even when allowed: an address outside every domain.
          const data = route === '/licensed-emails/import' ? '"Email"\n"matrix@not-a-customer.example"\n' : undefined;
          const response = await context.request.fetch(url, { method, maxRedirects: 0, data, headers: data ? { 'Content-Type': 'text/csv' } : undefined });
          const status = response.status();
          if (access.kind === 'api_key') {
            // A session is not an API key: everyone without one is refused.
            if (status !== 401) failures.push(`${method} ${route}: expected 401 without an API key, got ${status}`);
          } else if (access.kind === 'operator_token') {
            // A session is not the operators' token: refused (401), or 404 while none is configured.
            if (status !== 401 && status !== 404) failures.push(`${method} ${route}: expected 401 or 404, got ${status}`);
          } else if (access.kind === 'signed') {
            // No valid signature from anyone: refused (400), or 404 while the provider is not configured.
            if (status !== 400 && status !== 404) failures.push(`${method} ${route}: expected 400 or 404, got ${status}`);
          } else if (allowed(access, principal) && (principal.otherOrg || access.kind === 'portal') && route.includes('[id]')) {
            if (status !== 404) failures.push(`${method} ${route} on Acme's record: expected 404, got ${status}`);
          } else if (mustStepUp(access, principal)) {
            if (status !== 403 || (await response.json()).error?.code !== 'step_up_required') failures.push(`${method} ${route}: expected 403 step_up_required, got ${status}`);
          } else if (allowed(access, principal)) {
            // Past the authorization check: anything but a refusal or a server error.
            if (status === 401 || status === 403 || status >= 500) failures.push(`${method} ${route}: expected to be let through, got ${status}`);
          } else {
            const expected = principal.level === undefined || access.kind === 'portal' ? 401 : 403;
            // A portal user has no administrator session at all.
            if (status !== expected) failures.push(`${method} ${route}: expected ${expected}, got ${status}`);
          }
        }
      }
      expect(failures).toEqual([]);
      await context.close();
    });
  }

  test('an administrator who must enrol reaches no administration page, only enrolment', async ({ browser }) => {
    test.setTimeout(240_000);
    const context = await sessionFor(browser, principals.find((p) => p.passwordOnly) as Principal);
    const file = path.join(process.cwd(), '.next/server/app-paths-manifest.json');
    const pages = Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>)
      .filter((key) => key.startsWith('/(admin)/') && key.endsWith('/page'))
      .map((key) => key.replace(/\/\([^)]+\)/g, '').replace(/\/page$/, '').replace(/\[[^\]]+\]/g, '00000000-0000-4000-8000-000000000000'));
    expect(pages.length).toBeGreaterThan(10);
    const failures: string[] = [];
    for (const page of [...pages, '/change-password']) {
      const response = await context.request.get(page, { maxRedirects: 0 });
      const location = response.headers()['location'] ?? '';
      if (response.status() !== 307 || !location.endsWith('/two-factor')) failures.push(`${page}: ${response.status()} ${location}`);
    }
    expect(failures).toEqual([]);
    expect((await context.request.get('/two-factor', { maxRedirects: 0 })).status()).toBe(200);
    await context.close();
  });

  test('a server action posted from a foreign origin is refused', async ({ browser }) => {
    const context = await sessionFor(browser, principals[1]);
    const action = exposedActions().find((a) => a.name === 'deactivateAdministratorAction');
    expect(action).toBeDefined();
    if (!action) return;
    const response = await context.request.post(action.pagePath, {
      headers: { 'Next-Action': action.id, 'Content-Type': 'text/plain;charset=UTF-8', Origin: 'https://evil.example' },
      data: JSON.stringify([{ id: ids.acmeViewerId }]),
      maxRedirects: 0,
    });
    expect(response.status()).toBeGreaterThanOrEqual(400);
    await context.close();
  });
});

test("Next.js's internal headers and parameters change no answer", async ({ request }) => {
  const variants: { name: string; headers?: Record<string, string>; query?: string }[] = [
    { name: 'x-middleware-subrequest', headers: { 'x-middleware-subrequest': 'proxy:proxy:proxy:proxy:proxy' } },
    { name: 'RSC', headers: { RSC: '1' } },
    { name: 'Next-Router-Prefetch', headers: { 'Next-Router-Prefetch': '1', RSC: '1' } },
    { name: '_rsc', query: '?_rsc=abc' },
  ];
  for (const path of ['/dashboard', '/administrators', '/licensed-emails']) {
    const plain = await request.get(path, { maxRedirects: 0 });
    expect(plain.status(), path).toBe(307);
    for (const variant of variants) {
      const response = await request.get(`${path}${variant.query ?? ''}`, { headers: variant.headers, maxRedirects: 0 });
      const body = await response.text();
      // Without a session every variant is sent to sign in, and no page data leaks into the body.
      expect(response.status() === 307 || /NEXT_REDIRECT|\/login/.test(body), `${path} with ${variant.name}`).toBe(true);
      expect(body, `${path} with ${variant.name}`).not.toContain('acme.example');
    }
  }
  for (const variant of variants) {
    // Next answers a bare RSC request with a redirect to the same URL plus ?_rsc; followed, the
    // answer is the same refusal as without the header.
    const response = await request.get(`/events/export${variant.query ?? ''}`, { headers: variant.headers });
    expect(response.status(), `export with ${variant.name}`).toBe(401);
    expect(await response.text(), `export with ${variant.name}`).not.toContain('acme.example');
  }
});
