import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { administratorInvitations, auditEvents, licensedEmails, messageEvents, messageRecipients, portalUsers, secureMessages } from '@/db/schema';
import { inviteAdministrator } from '@/lib/administrators/invite-administrator';
import { isDatabaseUnavailable } from '@/lib/errors/database-unavailable';
import { addLicensedEmails } from '@/lib/licensing/add-licensed-emails';
import { recallMessage } from '@/lib/messaging/recall-message';
import { actorFor, createTestOrg } from '@/tests/factories';
import { injector, outcome, waitFor, watchProcess } from './support';

/**
 * A change and its audit event are one transaction: kill the connection between the two statements and neither exists.
 * Another session holds an ACCESS EXCLUSIVE lock on audit_events, so the use case's transaction
 * stops at its audit insert, after its change; we check that it is waiting exactly there,
 * terminate its backend, and look at what is left.
 */
async function cutBeforeAuditEvent<T>(run: () => Promise<T>) {
  const probe = injector();
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let locked = false;
  const holder = outcome(
    probe.sql.begin(async (t) => {
      await t`lock table audit_events in access exclusive mode`;
      locked = true;
      await held;
    }),
  );
  try {
    await waitFor(async () => locked, 'the lock on audit_events');
    const result = outcome(run());
    const [pid] = await waitFor(async () => {
      const pids = await probe.waitingOn('audit_events');
      return pids.length > 0 ? pids : null;
    }, 'the use case to reach its audit insert');
    // Its change is already made in that transaction: the statement waiting is the audit insert.
    expect(await probe.currentQuery(pid)).toMatch(/^insert into "audit_events"/);
    await probe.terminate(pid);
    return await result;
  } finally {
    release();
    await holder;
    await probe.end();
  }
}

let watch: ReturnType<typeof watchProcess>;
beforeEach(() => {
  watch = watchProcess();
});
afterEach(() => {
  watch.stop();
});

async function eventsOf(orgId: string, action: string) {
  return getDb().$count(auditEvents, and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

function expectCut(result: Awaited<ReturnType<typeof outcome>>) {
  expect(result.ok).toBe(false);
  expect(!result.ok && isDatabaseUnavailable(result.error)).toBe(true);
}

describe('a transaction cut between its change and its audit event leaves neither', () => {
  it('adding a licensed email', async () => {
    const org = await createTestOrg({ licenses: 10, licensed: 2 });
    const owner = await actorFor(org.ownerId);
    const email = `cut-${randomBytes(3).toString('hex')}@${org.domain}`;
    const licensed = () => getDb().$count(licensedEmails, and(eq(licensedEmails.orgId, org.orgId), eq(licensedEmails.email, email)));

    expectCut(await cutBeforeAuditEvent(() => addLicensedEmails({ actor: owner, emails: [email], source: 'manual' })));
    expect(await licensed()).toBe(0);
    expect(await eventsOf(org.orgId, 'licensed_emails.added')).toBe(0);
    await watch.settle();
    expect(watch.crashes).toEqual([]);

    // The process and its pool carry on: the same request now makes both.
    expect(await addLicensedEmails({ actor: owner, emails: [email], source: 'manual' })).toMatchObject({ status: 'added', added: 1 });
    expect(await licensed()).toBe(1);
    expect(await eventsOf(org.orgId, 'licensed_emails.added')).toBe(1);
  });

  it('inviting an administrator (the invitation, its email and the event)', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const email = `new-admin-${randomBytes(3).toString('hex')}@${org.domain}`;
    const input = {
      actor: owner,
      name: 'New Person',
      email,
      phone: '',
      addressLine1: '',
      addressLine2: '',
      city: '',
      region: '',
      postalCode: '',
      country: '',
      level: 2 as const,
    };
    const admins = () => getDb().$count(administratorInvitations, and(eq(administratorInvitations.orgId, org.orgId), eq(administratorInvitations.email, email)));
    expectCut(await cutBeforeAuditEvent(() => inviteAdministrator(input)));
    expect(await admins()).toBe(0);
    expect(await eventsOf(org.orgId, 'administrators.invited')).toBe(0);
    await watch.settle();
    expect(watch.crashes).toEqual([]);

    await inviteAdministrator(input);
    expect(await admins()).toBe(1);
    expect(await eventsOf(org.orgId, 'administrators.invited')).toBe(1);
  });

  it('recalling a secure message (the change, its message log row and the event)', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const tag = randomBytes(3).toString('hex');
    const db = getDb();
    const [alice, pat] = await db
      .insert(portalUsers)
      .values([
        { email: `alice-${tag}@${org.domain}`, status: 'active' },
        { email: `pat-${tag}@partner.example`, status: 'active' },
      ])
      .returning({ id: portalUsers.id });
    const sentAt = new Date();
    const [message] = await db
      .insert(secureMessages)
      .values({ orgId: org.orgId, senderId: alice.id, direction: 'outbound', subject: 'Lab results', bodyHtml: '<p>Hello</p>', bodyText: 'Hello', sentAt, status: 'sent' })
      .returning({ id: secureMessages.id });
    await db.insert(messageRecipients).values({ messageId: message.id, userId: pat.id, kind: 'to', sentAt });
    const state = async () => ({
      status: (await db.select({ status: secureMessages.status }).from(secureMessages).where(eq(secureMessages.id, message.id)))[0].status,
      recallLog: await db.$count(messageEvents, and(eq(messageEvents.messageId, message.id), eq(messageEvents.kind, 'recalled'))),
      events: await eventsOf(org.orgId, 'secure_messages.recalled'),
    });

    expectCut(await cutBeforeAuditEvent(() => recallMessage({ actor: owner, messageId: message.id })));
    expect(await state()).toEqual({ status: 'sent', recallLog: 0, events: 0 });
    await watch.settle();
    expect(watch.crashes).toEqual([]);

    await recallMessage({ actor: owner, messageId: message.id });
    expect(await state()).toEqual({ status: 'recalled', recallLog: 1, events: 1 });
  });
});
