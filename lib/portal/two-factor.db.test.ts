import { and, desc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, outboxMessages, policies, portalUsers, recipientAccounts } from '@/db/schema';
import { hashPassword } from '@/lib/auth/passwords';
import { createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { completePortalSignIn, signInPortalUser } from './accounts';
import { MAX_CODE_ATTEMPTS, resendSmsChallenge, TOO_MANY_CODES } from './two-factor';

const PASSWORD = 'Portal-Two-Factor-42';

async function setup(withPhone = true) {
  const org = await createTestOrg();
  const email = `ext.${org.domain.split('.')[0]}@partner.example`;
  await getDb().insert(portalUsers).values({ email, passwordHash: await hashPassword(PASSWORD), status: 'active' });
  await getDb().insert(policies).values({ orgId: org.orgId, name: 'SMS', conditionKind: 'recipient_without_tls', delivery: 'sms_two_factor' });
  await getDb().insert(recipientAccounts).values({ orgId: org.orgId, email, phone: withPhone ? '+16175550142' : null });
  return { org, email };
}

async function lastCode(): Promise<string> {
  const [sms] = await getDb()
    .select({ body: outboxMessages.bodyText })
    .from(outboxMessages)
    .where(and(eq(outboxMessages.channel, 'sms'), eq(outboxMessages.recipient, '+16175550142')))
    .orderBy(desc(outboxMessages.createdAt))
    .limit(1);
  const code = /\b(\d{6})\b/.exec(sms?.body ?? '')?.[1];
  if (!code) throw new Error('no code sent');
  return code;
}

describe('SMS two-factor sign-in for recipients', () => {
  it('a recipient with a phone, under a policy that requires it, completes sign-in only with the code', async () => {
    const { email } = await setup();
    const first = await signInPortalUser({ email, password: PASSWORD, clientAddress: '' });
    expect(first).toMatchObject({ status: 'second_factor', phoneHint: expect.stringMatching(/0142$/) });
    if (first.status !== 'second_factor') return;
    const code = await lastCode();
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await refusal(completePortalSignIn({ challengeId: first.challengeId, code: wrong, clientAddress: '' }))).code).toBe('invalid_input');
    await expect(completePortalSignIn({ challengeId: first.challengeId, code, clientAddress: '' })).resolves.toHaveProperty('id');
    // Single use.
    expect((await refusal(completePortalSignIn({ challengeId: first.challengeId, code, clientAddress: '' }))).code).toBe('expired');
    const [signedIn] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.actorEmail, email), eq(auditEvents.action, 'auth.signed_in')));
    expect(signedIn.summary).toMatch(/SMS code/);
  });

  it('no phone, or no such policy: the password is enough', async () => {
    const { email } = await setup(false);
    await expect(signInPortalUser({ email, password: PASSWORD, clientAddress: '' })).resolves.toMatchObject({ status: 'signed_in' });
  });

  it('at most 5 tries, 10 minutes, and one success under 20 concurrent submissions', async () => {
    const { email } = await setup();
    const a = await signInPortalUser({ email, password: PASSWORD, clientAddress: '' });
    if (a.status !== 'second_factor') throw new Error('expected a challenge');
    const code = await lastCode();
    const wrong = code === '999999' ? '888888' : '999999';
    for (let i = 0; i < MAX_CODE_ATTEMPTS; i++) await refusal(completePortalSignIn({ challengeId: a.challengeId, code: wrong, clientAddress: '' }));
    expect((await refusal(completePortalSignIn({ challengeId: a.challengeId, code, clientAddress: '' }))).code).toBe('expired');

    const b = await signInPortalUser({ email, password: PASSWORD, clientAddress: '' });
    if (b.status !== 'second_factor') throw new Error('expected a challenge');
    const code2 = await lastCode();
    const late = new Date(Date.now() + 11 * 60_000);
    expect((await refusal(completePortalSignIn({ challengeId: b.challengeId, code: code2, clientAddress: '', now: late }))).code).toBe('expired');

    const c = await signInPortalUser({ email, password: PASSWORD, clientAddress: '' });
    if (c.status !== 'second_factor') throw new Error('expected a challenge');
    const code3 = await lastCode();
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => completePortalSignIn({ challengeId: c.challengeId, code: code3, clientAddress: '' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('a new code replaces the old one; at most 3 codes in 10 minutes', async () => {
    const { email } = await setup();
    const a = await signInPortalUser({ email, password: PASSWORD, clientAddress: '' });
    if (a.status !== 'second_factor') throw new Error('expected a challenge');
    const oldCode = await lastCode();
    const next = await resendSmsChallenge(a.challengeId);
    const newCode = await lastCode();
    if (oldCode !== newCode) expect((await refusal(completePortalSignIn({ challengeId: a.challengeId, code: oldCode, clientAddress: '' }))).code).toBe('expired');
    await resendSmsChallenge(next.challengeId);
    expect((await refusal(resendSmsChallenge(next.challengeId))).code).toBe('rate_limited');
  });

  it('signing in again and again, even at once, sends at most 3 codes in 10 minutes', async () => {
    const { email } = await setup();
    const texts = () => getDb().$count(outboxMessages, and(eq(outboxMessages.channel, 'sms'), eq(outboxMessages.recipient, '+16175550142')));
    const before = await texts();
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => signInPortalUser({ email, password: PASSWORD, clientAddress: '' })));
    expect((await texts()) - before).toBe(3);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code: string; message: string })] : []));
    expect(refused).toHaveLength(5);
    expect(refused.every((e) => e.code === 'rate_limited')).toBe(true);
    expect(refused.map((e) => e.message)).toContain(TOO_MANY_CODES);
    // Once the sign-in window (15 minutes) has passed, a sign-in sends a code again.
    const later = await signInPortalUser({ email, password: PASSWORD, clientAddress: '', now: new Date(Date.now() + 16 * 60_000) });
    expect(later.status).toBe('second_factor');
  });
});
