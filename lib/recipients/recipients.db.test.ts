import { and, eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, policies, recipientAccounts } from '@/db/schema';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { recordAuditEvent } from '@/lib/audit/record';
import type { Cursor } from '@/lib/lists/cursor';
import type { PagePosition } from '@/lib/lists/page';
import { deleteRecipient, deleteRecipients, listRecipients, phonelessRecipientsNotice, recipientsMissingPhone, recordRecipients, updateRecipientPhone } from './recipients';

// The real audit writer, wrapped so one test can make it fail after the change was written.
vi.mock('@/lib/audit/record', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/audit/record')>();
  return { ...actual, recordAuditEvent: vi.fn(actual.recordAuditEvent) };
});

const T0 = new Date('2026-01-05T10:00:00Z');

async function seed(orgId: string, emails: string[], phone: string | null = null) {
  return getDb()
    .insert(recipientAccounts)
    .values(emails.map((email) => ({ orgId, email, phone, firstSentAt: T0, lastSentAt: T0 })))
    .returning({ id: recipientAccounts.id, email: recipientAccounts.email });
}

async function recipient(id: string) {
  const [row] = await getDb().select().from(recipientAccounts).where(eq(recipientAccounts.id, id));
  return row;
}

async function events(orgId: string, action: string) {
  return getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action)));
}

describe('listRecipients', () => {
  it('finds any part of the address, treating % and _ literally, scoped to the organisation', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    await seed(org.orgId, ['dr.lee@cityclinic.example', 'pat@partner.example', 'a_b@x.example', 'axb@x.example', '100%@y.example', '100x@y.example']);
    await seed(other.orgId, ['nurse@cityclinic.example']);
    const emails = async (search: string) => (await listRecipients(getDb(), org.orgId, { search, limit: 50 })).rows.map((r) => r.email);
    expect(await emails('clinic')).toEqual(['dr.lee@cityclinic.example']);
    expect(await emails('LEE@CITY')).toEqual(['dr.lee@cityclinic.example']);
    expect(await emails('a_b')).toEqual(['a_b@x.example']);
    expect(await emails('100%')).toEqual(['100%@y.example']);
    expect(await emails('nomatch')).toEqual([]);
    expect(await emails('')).toHaveLength(6);
  });

  it('pages by email with a keyset cursor', async () => {
    const org = await createTestOrg();
    await seed(org.orgId, Array.from({ length: 7 }, (_, i) => `r${i}@ext.example`).reverse());
    const first = await listRecipients(getDb(), org.orgId, { limit: 3 });
    expect(first.rows.map((r) => r.email)).toEqual(['r0@ext.example', 'r1@ext.example', 'r2@ext.example']);
    expect(first.next?.keys[0]).toBe('r2@ext.example');
    const after = (cursor: Cursor | null) => (cursor ? { direction: 'after' as const, cursor } : undefined);
    const second = await listRecipients(getDb(), org.orgId, { limit: 3, position: after(first.next) });
    expect(second.rows.map((r) => r.email)).toEqual(['r3@ext.example', 'r4@ext.example', 'r5@ext.example']);
    expect(second.start).toBe(4);
    const third = await listRecipients(getDb(), org.orgId, { limit: 3, position: after(second.next) });
    expect(third.rows.map((r) => r.email)).toEqual(['r6@ext.example']);
    expect(third.next).toBeNull();
    // And back: the page before the third is the second.
    const back = await listRecipients(getDb(), org.orgId, { limit: 3, position: third.previous ? { direction: 'before', cursor: third.previous } : undefined });
    expect(back.rows.map((r) => r.email)).toEqual(['r3@ext.example', 'r4@ext.example', 'r5@ext.example']);
  });
});

describe('updateRecipientPhone', () => {
  it('stores E.164 and records a masked audit event; an empty phone clears it', async () => {
    const org = await createTestOrg();
    const [pat] = await seed(org.orgId, ['pat@partner.example']);
    const actor = await actorFor(org.managerId);
    await expect(updateRecipientPhone({ actor, id: pat.id, phone: '(617) 555-0142' })).resolves.toEqual({ phone: '+16175550142' });
    expect((await recipient(pat.id)).phone).toBe('+16175550142');
    await updateRecipientPhone({ actor, id: pat.id, phone: '+1 617 555 0188' });
    await updateRecipientPhone({ actor, id: pat.id, phone: '' });
    expect((await recipient(pat.id)).phone).toBeNull();
    const summaries = (await events(org.orgId, 'recipients.phone_changed')).map((e) => e.summary).sort();
    expect(summaries).toEqual([
      'Phone number of pat@partner.example changed from +1 617 ••• 0142 to +1 617 ••• 0188',
      'Phone number of pat@partner.example changed from +1 617 ••• 0188 to none',
      'Phone number of pat@partner.example changed from none to +1 617 ••• 0142',
    ]);
    for (const e of await events(org.orgId, 'recipients.phone_changed')) {
      expect(e.summary).not.toContain('555');
      expect(e).toMatchObject({ targetId: pat.id, actorEmail: `manager@${org.domain}` });
    }
  });

  it('writes the change and its audit event in one transaction: a failing event leaves the phone as it was', async () => {
    const org = await createTestOrg();
    const [lee] = await seed(org.orgId, ['dr.lee@cityclinic.example'], '+16175550188');
    vi.mocked(recordAuditEvent).mockRejectedValueOnce(new Error('connection lost'));
    await expect(updateRecipientPhone({ actor: await actorFor(org.ownerId), id: lee.id, phone: '+16175550142' })).rejects.toThrow('connection lost');
    expect((await recipient(lee.id)).phone).toBe('+16175550188');
    vi.mocked(recordAuditEvent).mockRejectedValueOnce(new Error('connection lost'));
    await expect(deleteRecipient({ actor: await actorFor(org.ownerId), id: lee.id })).rejects.toThrow('connection lost');
    expect(await recipient(lee.id)).toBeDefined();
  });

  it('refuses an invalid number, level 3 and another organisation’s id, changing nothing', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    const [lee] = await seed(org.orgId, ['dr.lee@cityclinic.example'], '+16175550188');
    const invalid = await refusal(updateRecipientPhone({ actor: await actorFor(org.ownerId), id: lee.id, phone: 'call me' }));
    expect(invalid).toMatchObject({ code: 'invalid_input', fieldErrors: { phone: ['This is not a phone number.'] } });
    expect((await refusal(updateRecipientPhone({ actor: await actorFor(org.viewerId), id: lee.id, phone: '+16175550142' }))).code).toBe('forbidden');
    expect((await refusal(updateRecipientPhone({ actor: await actorFor(other.ownerId), id: lee.id, phone: '+16175550142' }))).code).toBe('not_found');
    expect((await refusal(deleteRecipient({ actor: await actorFor(other.ownerId), id: lee.id }))).code).toBe('not_found');
    expect((await refusal(deleteRecipient({ actor: await actorFor(org.viewerId), id: lee.id }))).code).toBe('forbidden');
    expect((await recipient(lee.id)).phone).toBe('+16175550188');
    expect(await events(org.orgId, 'recipients.phone_changed')).toHaveLength(0);
    expect(await events(other.orgId, 'recipients.phone_changed')).toHaveLength(0);
  });
});

describe('deleteRecipient and recordRecipients', () => {
  it('deletes with an audit event, and the next send brings the address back without its phone', async () => {
    const org = await createTestOrg();
    const [billing] = await seed(org.orgId, ['billing@insureco.example'], '+442079460321');
    await deleteRecipient({ actor: await actorFor(org.ownerId), id: billing.id });
    expect(await recipient(billing.id)).toBeUndefined();
    const [event] = await events(org.orgId, 'recipients.deleted');
    expect(event.summary).toBe('billing@insureco.example deleted with its phone number +44 20 ••• 0321; it returns the next time mail is sent to it');

    const later = new Date('2026-02-01T09:00:00Z');
    await getDb().transaction((tx) => recordRecipients(tx, org.orgId, ['Billing@InsureCo.example', 'billing@insureco.example'], later));
    const rows = await getDb().select().from(recipientAccounts).where(eq(recipientAccounts.orgId, org.orgId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ email: 'billing@insureco.example', phone: null, firstSentAt: later, lastSentAt: later });
  });

  it('upserts: new addresses are added, known ones keep their phone and first date and move their last date', async () => {
    const org = await createTestOrg();
    const [lee] = await seed(org.orgId, ['dr.lee@cityclinic.example'], '+16175550188');
    const later = new Date('2026-03-01T09:00:00Z');
    await recordRecipients(getDb(), org.orgId, ['dr.lee@cityclinic.example', 'new@elsewhere.example'], later);
    expect(await recipient(lee.id)).toMatchObject({ phone: '+16175550188', firstSentAt: T0, lastSentAt: later });
    await recordRecipients(getDb(), org.orgId, ['dr.lee@cityclinic.example'], T0); // an older send never moves it back
    expect((await recipient(lee.id)).lastSentAt).toEqual(later);
    const { rows } = await listRecipients(getDb(), org.orgId, { limit: 10 });
    expect(rows.map((r) => r.email)).toEqual(['dr.lee@cityclinic.example', 'new@elsewhere.example']);
    await recordRecipients(getDb(), org.orgId, [], later);
  });
});

describe('broad searches', () => {
  it('cap the candidates, keep the page sorted, and ask for more typing instead of a next page', async () => {
    const { SEARCH_CANDIDATE_CAP, listRecipients: list } = await import('./recipients');
    const { sql: raw } = await import('drizzle-orm');
    const { createTestOrg: make } = await import('@/tests/factories');
    const { getDb: db } = await import('@/db/client');
    const org = await make();
    await db().execute(raw`insert into recipient_accounts (org_id, email) select ${org.orgId}::uuid, 'wide' || g || '@broad.example' from generate_series(1, ${SEARCH_CANDIDATE_CAP + 50}) g`);
    const broad = await list(db(), org.orgId, { search: 'wide', limit: 25 });
    expect(broad.broad).toBe(true);
    expect(broad.next).toBeNull();
    expect(broad.rows).toHaveLength(25);
    const emails = broad.rows.map((r) => r.email);
    expect(emails).toEqual([...emails].sort());
    const narrow = await list(db(), org.orgId, { search: 'wide100', limit: 25 });
    expect(narrow.broad).toBe(false);
    expect(narrow.rows.map((r) => r.email)).toContain('wide100@broad.example');
  });
});

describe('recipients without a phone number', () => {
  it('are what the "Missing phone" filter lists, with search and paging, in the organisation only', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    await seed(org.orgId, ['a@x.example', 'c@x.example', 'e@y.example']);
    await seed(org.orgId, ['b@x.example', 'd@x.example'], '+16175550101');
    await seed(other.orgId, ['a0@x.example']);
    const missing = (options: { search?: string; position?: PagePosition; limit?: number } = {}) => listRecipients(getDb(), org.orgId, { limit: 50, ...options, missingPhone: true });
    expect((await missing()).rows.map((r) => r.email)).toEqual(['a@x.example', 'c@x.example', 'e@y.example']);
    expect((await missing({ search: 'x.example' })).rows.map((r) => r.email)).toEqual(['a@x.example', 'c@x.example']);
    const first = await missing({ limit: 2 });
    expect(first.next?.keys[0]).toBe('c@x.example');
    expect((await missing({ limit: 2, position: first.next ? { direction: 'after', cursor: first.next } : undefined })).rows.map((r) => r.email)).toEqual(['e@y.example']);
  });

  it('are told to the sender and the administrators only while an SMS two-factor policy is enabled', async () => {
    const org = await createTestOrg();
    await seed(org.orgId, ['pat@partner.example', 'zed@partner.example', 'kim@partner.example']);
    await seed(org.orgId, ['lee@clinic.example'], '+16175550102');
    const sent = ['PAT@partner.example', 'lee@clinic.example'];
    expect(await recipientsMissingPhone(getDb(), org.orgId, sent)).toEqual([]);
    expect(await phonelessRecipientsNotice(getDb(), org.orgId)).toBeNull();

    const [policy] = await getDb()
      .insert(policies)
      .values({ orgId: org.orgId, name: 'SMS', conditionKind: 'recipient_without_tls', delivery: 'sms_two_factor' })
      .returning({ id: policies.id });
    expect(await recipientsMissingPhone(getDb(), org.orgId, sent)).toEqual(['pat@partner.example']);
    expect(await phonelessRecipientsNotice(getDb(), org.orgId, 2)).toEqual({ emails: ['kim@partner.example', 'pat@partner.example'], more: true });
    expect(await phonelessRecipientsNotice(getDb(), org.orgId)).toEqual({ emails: ['kim@partner.example', 'pat@partner.example', 'zed@partner.example'], more: false });

    await getDb().update(policies).set({ enabled: false }).where(eq(policies.id, policy.id));
    expect(await recipientsMissingPhone(getDb(), org.orgId, sent)).toEqual([]);
    expect(await phonelessRecipientsNotice(getDb(), org.orgId)).toBeNull();
  });
});

describe('deleting recipients in bulk', () => {
  it('deletes the ticked, one audit event each, and says which it could not and why', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    await seed(org.orgId, ['one@bulk.example', 'two@bulk.example', 'three@bulk.example']);
    await seed(other.orgId, ['theirs@bulk.example']);
    const ids = async (orgId: string) =>
      (await getDb().select({ id: recipientAccounts.id, email: recipientAccounts.email }).from(recipientAccounts).where(eq(recipientAccounts.orgId, orgId))).sort((a, b) =>
        a.email.localeCompare(b.email),
      );
    const [one, three] = await ids(org.orgId);
    const [theirs] = await ids(other.orgId);
    const outcome = await deleteRecipients({ actor: await actorFor(org.managerId), selection: { mode: 'ids', ids: [one.id, three.id, theirs.id] } });
    expect(outcome.done).toBe(2);
    expect(outcome.refused).toEqual([{ id: theirs.id, label: theirs.id, reason: 'That recipient does not exist.' }]);
    expect((await ids(org.orgId)).map((r) => r.email)).toEqual(['two@bulk.example']);
    expect(await ids(other.orgId)).toHaveLength(1);
    const events = await getDb()
      .select({ label: auditEvents.targetLabel })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'recipients.deleted')));
    expect(events.map((e) => e.label).sort()).toEqual(['one@bulk.example', 'three@bulk.example']);
  });

  it('deletes all matching a search and the missing-phone filter', async () => {
    const org = await createTestOrg();
    await seed(org.orgId, ['a@match.example', 'b@match.example', 'c@other.example']);
    await seed(org.orgId, ['d@match.example'], '+16175550101');
    const outcome = await deleteRecipients({ actor: await actorFor(org.managerId), selection: { mode: 'matching', q: 'match', filters: { phone: 'missing' } } });
    expect(outcome).toEqual({ done: 2, refused: [], capped: false });
    const left = await getDb().select({ email: recipientAccounts.email }).from(recipientAccounts).where(eq(recipientAccounts.orgId, org.orgId));
    expect(left.map((r) => r.email).sort()).toEqual(['c@other.example', 'd@match.example']);
  });
});
