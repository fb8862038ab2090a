import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { administrators, auditEvents, domainIdentities, domainSignIns, identityProviders, licensedEmails, outboxMessages, portalUsers } from '@/db/schema';
import { signInAdministrator } from '@/lib/auth/sign-in-administrator';
import { hashToken } from '@/lib/auth/tokens';
import { signInPortalUser } from '@/lib/portal/accounts';
import { actorFor, createTestOrg, TEST_PASSWORD } from '@/tests/factories';
import { signInAtProvider, startOidcProvider, TEST_CLIENT } from '@/tests/servers/oidc-provider';
import { refusal } from '@/tests/refusal';
import { completeDomainSignIn, identityMismatchForAdministrator, identityMismatchForUser, redeemDomainSignIn, SIGN_IN_AGAIN, startDomainSignIn } from './domain-sign-in';
import { callbackUrl } from './oidc';
import { DOMAIN_SIGN_IN_REQUIRED, signInMethodFor } from './queries';
import { NEW_ISSUER_NEEDS_SECRET, removeIdentityProvider, saveIdentityProvider } from './save-identity-provider';
import { testIdentityProvider } from './test-identity-provider';
import { unlinkDomainIdentity } from './unlink-domain-identity';

let provider: Awaited<ReturnType<typeof startOidcProvider>>;
beforeAll(async () => {
  provider = await startOidcProvider({ redirectUri: callbackUrl() });
});
afterAll(async () => {
  await provider.stop();
});

const CLIENT_ADDRESS = '203.0.113.7';

/** An organisation with Domain sign-in against the local provider, and one licensed address. */
async function orgWithDomainSignIn(required: { administrators?: boolean; users?: boolean } = {}) {
  const org = await createTestOrg({ licensed: 1 });
  const owner = await actorFor(org.ownerId);
  await saveIdentityProvider({
    actor: owner,
    values: {
      issuer: provider.issuer,
      clientId: TEST_CLIENT.clientId,
      clientSecret: TEST_CLIENT.clientSecret,
      domains: [org.domain],
      requiredForAdministrators: required.administrators ?? false,
      requiredForInternalUsers: required.users ?? false,
    },
  });
  return { ...org, owner };
}

/** Start → the provider's login as `login` → our callback URL, as the browser would bring it back. */
async function throughProvider(email: string, kind: 'administrator' | 'portal_user', login = email) {
  const started = await startDomainSignIn({ email, kind, returnTo: kind === 'administrator' ? '/dashboard' : '/secure/inbox' });
  const back = await signInAtProvider(started.url, login);
  return { state: started.state, back };
}

async function lastAuditEvent(orgId: string) {
  const rows = await getDb().select().from(auditEvents).where(eq(auditEvents.orgId, orgId));
  return rows.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || Number(a.id) - Number(b.id)).at(-1);
}

describe('identity provider settings', () => {
  it('stores the secret encrypted, audits every change, and refuses lower levels and foreign domains', async () => {
    const org = await orgWithDomainSignIn();
    const [row] = await getDb().select().from(identityProviders).where(eq(identityProviders.orgId, org.orgId));
    expect(row.clientSecretEncrypted).not.toContain(TEST_CLIENT.clientSecret);
    expect(row.clientSecretEncrypted).toMatch(/^v1\./);
    expect((await lastAuditEvent(org.orgId))?.action).toBe('identity_providers.configured');

    // An empty secret keeps the stored one; the change is described.
    await saveIdentityProvider({
      actor: org.owner,
      values: { issuer: provider.issuer, clientId: TEST_CLIENT.clientId, clientSecret: '', domains: [org.domain], requiredForAdministrators: true },
    });
    const [after] = await getDb().select().from(identityProviders).where(eq(identityProviders.orgId, org.orgId));
    expect(after.clientSecretEncrypted).toBe(row.clientSecretEncrypted);
    expect((await lastAuditEvent(org.orgId))?.summary).toContain('optional → required for administrators');

    const manager = await actorFor(org.managerId);
    const values = { issuer: provider.issuer, clientId: 'x', clientSecret: 'y', domains: [org.domain] };
    expect((await refusal(saveIdentityProvider({ actor: manager, values }))).code).toBe('forbidden');
    expect((await refusal(saveIdentityProvider({ actor: org.owner, values: { ...values, domains: ['acme.example'] } }))).fieldErrors?.domains).toBeDefined();
    expect((await refusal(saveIdentityProvider({ actor: org.owner, values: { ...values, issuer: 'http://idp.example.com' } }))).fieldErrors?.issuer).toEqual([
      'The issuer URL must start with https://.',
    ]);

    await removeIdentityProvider({ actor: org.owner });
    expect((await lastAuditEvent(org.orgId))?.action).toBe('identity_providers.removed');
    expect(await signInMethodFor(getDb(), `owner@${org.domain}`, 'administrator')).toBe('password');
  });

  it('Test connection reports what discovery found, and a clear message when nothing answers', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const report = await testIdentityProvider({ actor: owner, issuer: provider.issuer, clientId: TEST_CLIENT.clientId, clientSecret: TEST_CLIENT.clientSecret });
    expect(report).toMatchObject({ issuer: provider.issuer, pkceS256: true, redirectUri: 'http://sealpost.test/api/auth/sso/callback' });
    expect(report.authorizationEndpoint).toBe(`${provider.issuer}/auth`);
    const nothing = await refusal(testIdentityProvider({ actor: owner, issuer: 'http://127.0.0.1:9', clientId: 'x', clientSecret: 'y' }));
    expect(nothing.code).toBe('unavailable');
    expect(nothing.message).toContain('could not be discovered');
  });
});

describe('Domain sign-in', () => {
  it('decides the method by domain only, and refuses passwords where Domain sign-in is required', async () => {
    const org = await orgWithDomainSignIn({ administrators: true });
    expect(await signInMethodFor(getDb(), `owner@${org.domain}`, 'administrator')).toBe('domain');
    expect(await signInMethodFor(getDb(), `nobody@${org.domain}`, 'administrator')).toBe('domain');
    expect(await signInMethodFor(getDb(), `user0@${org.domain}`, 'portal_user')).toBe('choice');
    expect(await signInMethodFor(getDb(), 'someone@elsewhere.example', 'administrator')).toBe('password');
    const refused = await refusal(signInAdministrator({ email: `owner@${org.domain}`, password: TEST_PASSWORD, clientAddress: CLIENT_ADDRESS }));
    expect(refused.message).toBe(DOMAIN_SIGN_IN_REQUIRED);
    expect((await lastAuditEvent(org.orgId))?.action).toBe('auth.sign_in_failed');
  });

  it('signs an administrator in through the provider once, with the current session version', async () => {
    const org = await orgWithDomainSignIn();
    const email = `owner@${org.domain}`;
    const { state, back } = await throughProvider(email, 'administrator');
    const done = await completeDomainSignIn({ currentUrl: back, browserState: state, clientAddress: CLIENT_ADDRESS });
    expect(done).toMatchObject({ kind: 'administrator', returnTo: '/dashboard' });
    const signedIn = await lastAuditEvent(org.orgId);
    expect(signedIn).toMatchObject({ action: 'auth.signed_in', clientAddress: CLIENT_ADDRESS });
    expect(signedIn?.summary).toContain('through Domain sign-in');

    const session = await redeemDomainSignIn({ attemptId: done.attemptId, ticket: done.ticket });
    expect(session).toEqual({ id: org.ownerId, kind: 'administrator', sessionVersion: expect.any(Number) });
    // The ticket opens one session; the provider's answer is used once.
    expect((await refusal(redeemDomainSignIn({ attemptId: done.attemptId, ticket: done.ticket }))).message).toBe(SIGN_IN_AGAIN);
    expect((await refusal(completeDomainSignIn({ currentUrl: back, browserState: state, clientAddress: CLIENT_ADDRESS }))).message).toBe(SIGN_IN_AGAIN);
  });

  it('signs a licensed address into the portal, making its account on first use', async () => {
    const org = await orgWithDomainSignIn({ users: true });
    const email = `user0@${org.domain}`;
    const { state, back } = await throughProvider(email, 'portal_user');
    const done = await completeDomainSignIn({ currentUrl: back, browserState: state, clientAddress: CLIENT_ADDRESS });
    const session = await redeemDomainSignIn({ attemptId: done.attemptId, ticket: done.ticket });
    const [user] = await getDb().select().from(portalUsers).where(eq(portalUsers.email, email));
    expect(session).toMatchObject({ id: user.id, kind: 'portal_user' });
    expect(user.status).toBe('active');
    // Required for internal users: their password is refused.
    expect((await refusal(signInPortalUser({ email, password: TEST_PASSWORD, clientAddress: CLIENT_ADDRESS }))).message).toBe(DOMAIN_SIGN_IN_REQUIRED);
  });

  it('refuses a tampered state, a missing browser state, and a wrong nonce', async () => {
    const org = await orgWithDomainSignIn();
    const email = `owner@${org.domain}`;

    const tampered = await throughProvider(email, 'administrator');
    const url = new URL(tampered.back);
    url.searchParams.set('state', `${tampered.state.slice(0, -1)}x`);
    expect((await refusal(completeDomainSignIn({ currentUrl: url, browserState: tampered.state, clientAddress: CLIENT_ADDRESS }))).message).toBe(SIGN_IN_AGAIN);
    // Started in another browser: no cookie.
    expect((await refusal(completeDomainSignIn({ currentUrl: tampered.back, browserState: undefined, clientAddress: CLIENT_ADDRESS }))).message).toBe(SIGN_IN_AGAIN);

    const nonce = await throughProvider(email, 'administrator');
    await getDb().update(domainSignIns).set({ nonce: 'not-the-nonce-that-was-sent' }).where(eq(domainSignIns.stateHash, hashToken(nonce.state)));
    const wrongNonce = await refusal(completeDomainSignIn({ currentUrl: nonce.back, browserState: nonce.state, clientAddress: CLIENT_ADDRESS }));
    expect(wrongNonce.message).toBe("Your identity provider's answer could not be verified. Start again.");
    const failed = await lastAuditEvent(org.orgId);
    expect(failed?.action).toBe('auth.sign_in_failed');
    expect(failed?.summary).toContain('answer not verified');
  });

  it('refuses an unverified email, an email outside the domains, a disabled account and an unlicensed address', async () => {
    const org = await orgWithDomainSignIn();
    const attempt = async (email: string, kind: 'administrator' | 'portal_user', login = email) => {
      const { state, back } = await throughProvider(email, kind, login);
      return refusal(completeDomainSignIn({ currentUrl: back, browserState: state, clientAddress: CLIENT_ADDRESS }));
    };
    expect((await attempt(`owner@${org.domain}`, 'administrator', `unverified-owner@${org.domain}`)).message).toBe(
      `Your identity provider has not verified the email address unverified-owner@${org.domain}.`,
    );
    expect((await attempt(`owner@${org.domain}`, 'administrator', 'mallory@evil.example')).message).toBe(
      'mallory@evil.example is not in a domain that signs in through this identity provider.',
    );
    await getDb().update(administrators).set({ status: 'inactive' }).where(eq(administrators.id, org.viewerId));
    expect((await attempt(`viewer@${org.domain}`, 'administrator')).message).toContain('is inactive');
    expect((await attempt(`nobody@${org.domain}`, 'administrator')).message).toBe(`nobody@${org.domain} is not an administrator of this organisation.`);
    expect((await attempt(`nobody@${org.domain}`, 'portal_user')).message).toBe(`nobody@${org.domain} is not a licensed email address of your organisation.`);
    const [disabled] = await getDb().insert(portalUsers).values({ email: `user0@${org.domain}`, status: 'disabled' }).returning();
    expect(disabled).toBeDefined();
    expect((await attempt(`user0@${org.domain}`, 'portal_user')).message).toBe(`The account user0@${org.domain} is disabled.`);
    const licensed = await getDb().select().from(licensedEmails).where(and(eq(licensedEmails.orgId, org.orgId)));
    expect(licensed).toHaveLength(1);
  });

  it('refuses while the account is throttled at this client address, on one event with a count, and not at another address', async () => {
    const org = await orgWithDomainSignIn();
    const email = `user0@${org.domain}`;
    // Password guesses at the portal from one address use up the account's limit there.
    for (let i = 0; i < 5; i++) expect((await refusal(signInPortalUser({ email, password: `Wrong-${i}-Pass!`, clientAddress: CLIENT_ADDRESS }))).code).toBe('unauthenticated');
    for (let i = 0; i < 2; i++) expect((await refusal(signInPortalUser({ email, password: TEST_PASSWORD, clientAddress: CLIENT_ADDRESS }))).code).toBe('rate_limited');
    for (let i = 0; i < 2; i++) {
      const { state, back } = await throughProvider(email, 'portal_user');
      expect((await refusal(completeDomainSignIn({ currentUrl: back, browserState: state, clientAddress: CLIENT_ADDRESS }))).message).toMatch(/^Too many attempts/);
    }
    const refused = (await getDb().select().from(auditEvents).where(eq(auditEvents.actorEmail, email))).filter((e) => e.metadata.reason === 'throttled');
    expect(refused).toHaveLength(1);
    expect(refused[0].metadata).toMatchObject({ count: 4 });
    expect(refused[0].summary).toBe(`4 sign-in attempts for ${email} refused while throttled`);

    const elsewhere = await throughProvider(email, 'portal_user');
    await expect(completeDomainSignIn({ currentUrl: elsewhere.back, browserState: elsewhere.state, clientAddress: '198.51.100.44' })).resolves.toMatchObject({ kind: 'portal_user' });
  });
});

async function auditEventsOf(orgId: string, action: string) {
  return getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

async function linksOf(orgId: string) {
  return getDb().select().from(domainIdentities).where(eq(domainIdentities.orgId, orgId));
}

describe('the identity an account is linked to', () => {
  const complete = async (email: string, kind: 'administrator' | 'portal_user', login = email) => {
    const { state, back } = await throughProvider(email, kind, login);
    return completeDomainSignIn({ currentUrl: back, browserState: state, clientAddress: CLIENT_ADDRESS });
  };

  it('links an administrator at the first Domain sign-in and refuses another identity with the same email until a level 1 unlinks it', async () => {
    const org = await orgWithDomainSignIn();
    const email = `manager@${org.domain}`;
    await complete(email, 'administrator');
    expect(await linksOf(org.orgId)).toMatchObject([{ kind: 'administrator', administratorId: org.managerId, issuer: provider.issuer, subject: email }]);
    const [linked] = await auditEventsOf(org.orgId, 'domain_identities.linked');
    expect(linked).toMatchObject({ targetId: org.managerId, clientAddress: CLIENT_ADDRESS });
    // The same identity again: signed in, nothing new linked.
    await complete(email, 'administrator');
    expect(await auditEventsOf(org.orgId, 'domain_identities.linked')).toHaveLength(1);

    // Another person at the provider who now has this email (a recycled mailbox, an edited profile).
    const refused = await refusal(complete(email, 'administrator', `${email}#impostor`));
    expect(refused.code).toBe('unauthenticated');
    expect(refused.message).toBe(identityMismatchForAdministrator(email));
    const [event] = await auditEventsOf(org.orgId, 'domain_identities.refused');
    expect(event).toMatchObject({ targetId: org.managerId, clientAddress: CLIENT_ADDRESS });
    expect(event.metadata).toMatchObject({ linked: { issuer: provider.issuer, subject: email }, presented: { subject: `${email}#impostor` } });
    expect(await getDb().select().from(domainSignIns).where(and(eq(domainSignIns.orgId, org.orgId), eq(domainSignIns.accountId, org.managerId)))).toHaveLength(2);

    // Only level 1 unlinks; another organisation's level 1 finds nothing.
    expect((await refusal(unlinkDomainIdentity({ actor: await actorFor(org.managerId), email }))).code).toBe('forbidden');
    const other = await createTestOrg();
    expect((await refusal(unlinkDomainIdentity({ actor: await actorFor(other.ownerId), email }))).code).toBe('not_found');
    expect(await linksOf(org.orgId)).toHaveLength(1);
    await unlinkDomainIdentity({ actor: org.owner, email: email.toUpperCase() });
    const [unlinked] = await auditEventsOf(org.orgId, 'domain_identities.unlinked');
    expect(unlinked).toMatchObject({ actorEmail: `owner@${org.domain}`, targetId: org.managerId });
    expect(unlinked.summary).toContain(email);
    expect((await refusal(unlinkDomainIdentity({ actor: org.owner, email }))).code).toBe('not_found');

    // The person links again with the identity the provider now vouches for.
    const done = await complete(email, 'administrator', `${email}#impostor`);
    expect(done.kind).toBe('administrator');
    expect(await linksOf(org.orgId)).toMatchObject([{ administratorId: org.managerId, subject: `${email}#impostor` }]);
    expect((await refusal(complete(email, 'administrator'))).message).toBe(identityMismatchForAdministrator(email));
  });

  it('links an internal user the same way, with a message that sends them to their administrator', async () => {
    const org = await orgWithDomainSignIn();
    const email = `user0@${org.domain}`;
    await complete(email, 'portal_user');
    const [user] = await getDb().select().from(portalUsers).where(eq(portalUsers.email, email));
    expect(await linksOf(org.orgId)).toMatchObject([{ kind: 'portal_user', portalUserId: user.id, subject: email }]);
    expect((await refusal(complete(email, 'portal_user', `${email}#2`))).message).toBe(identityMismatchForUser(email));
    expect(await auditEventsOf(org.orgId, 'domain_identities.refused')).toHaveLength(1);
    await unlinkDomainIdentity({ actor: org.owner, email });
    await complete(email, 'portal_user', `${email}#2`);
    expect(await linksOf(org.orgId)).toMatchObject([{ portalUserId: user.id, subject: `${email}#2` }]);
  });

  it('two first sign-ins at once link one identity, and the other is refused', async () => {
    const org = await orgWithDomainSignIn();
    const email = `owner@${org.domain}`;
    const [a, b] = await Promise.all([throughProvider(email, 'administrator'), throughProvider(email, 'administrator', `${email}#twin`)]);
    const results = await Promise.allSettled([
      completeDomainSignIn({ currentUrl: a.back, browserState: a.state, clientAddress: CLIENT_ADDRESS }),
      completeDomainSignIn({ currentUrl: b.back, browserState: b.state, clientAddress: CLIENT_ADDRESS }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await linksOf(org.orgId)).toHaveLength(1);
  });
});

describe('changing the identity provider', () => {
  let second: Awaited<ReturnType<typeof startOidcProvider>>;
  beforeAll(async () => {
    second = await startOidcProvider({ redirectUri: callbackUrl() });
  });
  afterAll(async () => {
    await second.stop();
  });

  it('asks for the client secret again when the issuer changes, and then forgets the links to the old issuer', async () => {
    const org = await orgWithDomainSignIn();
    await throughProvider(`owner@${org.domain}`, 'administrator').then(({ state, back }) =>
      completeDomainSignIn({ currentUrl: back, browserState: state, clientAddress: CLIENT_ADDRESS }),
    );
    const [before] = await getDb().select().from(identityProviders).where(eq(identityProviders.orgId, org.orgId));
    const values = { issuer: second.issuer, clientId: TEST_CLIENT.clientId, clientSecret: '', domains: [org.domain] };
    const refused = await refusal(saveIdentityProvider({ actor: org.owner, values }));
    expect(refused.fieldErrors?.clientSecret).toEqual([NEW_ISSUER_NEEDS_SECRET]);
    const [unchanged] = await getDb().select().from(identityProviders).where(eq(identityProviders.orgId, org.orgId));
    expect(unchanged).toEqual(before);

    await saveIdentityProvider({ actor: org.owner, values: { ...values, clientSecret: 'the-new-issuers-secret' } });
    const [after] = await getDb().select().from(identityProviders).where(eq(identityProviders.orgId, org.orgId));
    expect(after.issuer).toBe(second.issuer);
    expect(after.clientSecretEncrypted).not.toBe(before.clientSecretEncrypted);
    expect(await linksOf(org.orgId)).toHaveLength(0);
    expect((await lastAuditEvent(org.orgId))?.summary).toContain('1 account linked to the previous issuer unlinked');
  });

  it('Test connection never uses the stored secret for another issuer', async () => {
    const org = await orgWithDomainSignIn();
    // A stored secret that cannot be opened shows whether Test connection tries to use it.
    await getDb().update(identityProviders).set({ clientSecretEncrypted: 'v1.unreadable.x.y' }).where(eq(identityProviders.orgId, org.orgId));
    const report = await testIdentityProvider({ actor: org.owner, issuer: second.issuer, clientId: TEST_CLIENT.clientId, clientSecret: '' });
    expect(report.issuer).toBe(second.issuer);
    const same = await refusal(testIdentityProvider({ actor: org.owner, issuer: provider.issuer, clientId: TEST_CLIENT.clientId, clientSecret: '' }));
    expect(same.message).toContain('stored client secret cannot be read');
  });

  it('emails every active level 1 administrator what changed, who changed it and when', async () => {
    const org = await orgWithDomainSignIn();
    const [secondOwner, retired] = await getDb()
      .insert(administrators)
      .values([
        { orgId: org.orgId, email: `second@${org.domain}`, name: 'Second Owner', level: 1, passwordHash: 'x' },
        { orgId: org.orgId, email: `retired@${org.domain}`, name: 'Retired Owner', level: 1, passwordHash: 'x', status: 'inactive' },
      ])
      .returning();
    expect(retired.status).toBe('inactive');
    const sentOf = async () =>
      (await getDb().select().from(outboxMessages).where(and(eq(outboxMessages.orgId, org.orgId), eq(outboxMessages.kind, 'identity_provider_changed')))).map(
        (m) => ({ to: m.recipient, text: m.bodyText }),
      );
    // Setting it up was announced to the owner (the only level 1 then).
    expect((await sentOf()).map((m) => m.to)).toEqual([`owner@${org.domain}`]);

    const when = new Date('2026-12-01T09:30:00Z');
    await saveIdentityProvider({
      actor: org.owner,
      values: { issuer: provider.issuer, clientId: 'another-client', clientSecret: '', domains: [org.domain], requiredForAdministrators: true },
      now: when,
    });
    const changed = (await sentOf()).filter((m) => m.text.includes('another-client'));
    expect(changed.map((m) => m.to).sort()).toEqual([`owner@${org.domain}`, secondOwner.email].sort());
    for (const message of changed) {
      expect(message.text).toContain(`Owner Person (owner@${org.domain})`);
      expect(message.text).toContain('1 Dec 2026, 09:30 UTC');
      expect(message.text).toContain(`client ID ${TEST_CLIENT.clientId} → another-client`);
      expect(message.text).toContain('optional → required for administrators');
    }
    // Nothing changed: nothing sent.
    await saveIdentityProvider({
      actor: org.owner,
      values: { issuer: provider.issuer, clientId: 'another-client', clientSecret: '', domains: [org.domain], requiredForAdministrators: true },
    });
    expect(await sentOf()).toHaveLength(3);
    await removeIdentityProvider({ actor: org.owner });
    const off = (await sentOf()).filter((m) => m.text.includes('turned off'));
    expect(off).toHaveLength(2);
    expect(off[0].text).toContain('Domain sign-in turned off');
  });
});
