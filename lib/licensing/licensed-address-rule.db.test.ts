import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, licensedEmails, orderEmails, orders } from '@/db/schema';
import { createLicenseOrder } from '@/lib/billing/create-order';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { addLicensedEmails } from './add-licensed-emails';
import { importLicensedEmails } from './import-licensed-emails';
import { ADDRESSES_REFUSED } from './validate-addresses';

/**
 * The rule for every way an address becomes licensed — in one of the organisation's domains, given
 * once, not licensed already — is the use cases' own, whoever calls them (the Add dialog's
 * actions, the CSV import route, a script): nothing is written when it is broken.
 */
async function licensedOf(orgId: string) {
  const rows = await getDb().select({ email: licensedEmails.email }).from(licensedEmails).where(eq(licensedEmails.orgId, orgId));
  return rows.map((r) => r.email).sort();
}

describe('the licensed-address rule in the use cases', () => {
  it('addLicensedEmails refuses an address outside the domains, a repeated one and one already licensed, each with its field error, and adds nothing', async () => {
    const org = await createTestOrg({ licenses: 10, licensed: 1 });
    const other = await createTestOrg();
    const manager = await actorFor(org.managerId);
    const emails = [`new@${org.domain}`, `someone@${other.domain}`, `New@${org.domain}`, `user0@${org.domain}`, 'not an address'];
    const refused = await refusal(addLicensedEmails({ actor: manager, emails, source: 'manual' }));
    expect(refused.code).toBe('invalid_input');
    expect(refused.message).toBe(ADDRESSES_REFUSED);
    expect(refused.fieldErrors).toEqual({
      'emails.1': [`Use one of your domains (${org.domain}).`],
      'emails.2': ['This address is already in row 1.'],
      'emails.3': ['This address is already licensed.'],
      'emails.4': [expect.stringMatching(/^This is not an email address/)],
    });
    expect(await licensedOf(org.orgId)).toEqual([`user0@${org.domain}`]);
    const added = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'licensed_emails.added')));
    expect(added).toEqual([]);

    expect(await addLicensedEmails({ actor: manager, emails: [` New@${org.domain} `], source: 'manual' })).toMatchObject({ status: 'added', added: 1 });
    expect(await licensedOf(org.orgId)).toEqual([`new@${org.domain}`, `user0@${org.domain}`]);
  });

  it('createLicenseOrder refuses pending addresses that break the rule, and makes no order', async () => {
    const org = await createTestOrg({ licenses: 1, licensed: 1 });
    const owner = await actorFor(org.ownerId);
    const refused = await refusal(createLicenseOrder({ actor: owner, quantity: 2, pendingEmails: [`fresh@${org.domain}`, `user0@${org.domain}`, 'x@elsewhere.example'] }));
    expect(refused.code).toBe('invalid_input');
    expect(refused.fieldErrors).toEqual({
      'emails.1': ['This address is already licensed.'],
      'emails.2': [`Use one of your domains (${org.domain}).`],
    });
    expect(await getDb().select().from(orders).where(eq(orders.orgId, org.orgId))).toEqual([]);

    const { orderId } = await createLicenseOrder({ actor: owner, quantity: 1, pendingEmails: [`Fresh@${org.domain}`] });
    const pending = await getDb().select({ email: orderEmails.email }).from(orderEmails).where(eq(orderEmails.orderId, orderId));
    expect(pending).toEqual([{ email: `fresh@${org.domain}` }]);
  });

  it('importLicensedEmails reports each bad line and adds the good ones; a level 3 administrator is refused', async () => {
    const org = await createTestOrg({ licenses: 10, licensed: 1 });
    const text = `Email\nfirst@${org.domain}\nuser0@${org.domain}\nx@elsewhere.example\n`;
    const report = await importLicensedEmails({ actor: await actorFor(org.managerId), text, then: 'add' });
    expect(report).toMatchObject({ totalLines: 3, valid: 1, problemCount: 2, outcome: { status: 'added', added: 1 } });
    expect(await licensedOf(org.orgId)).toEqual([`first@${org.domain}`, `user0@${org.domain}`]);

    const viewer = await actorFor(org.viewerId);
    expect((await refusal(importLicensedEmails({ actor: viewer, text: `Email\nsecond@${org.domain}\n`, then: 'add' }))).code).toBe('forbidden');
    expect((await refusal(importLicensedEmails({ actor: await actorFor(org.managerId), text: `Email\nsecond@${org.domain}\n`, then: 'order', quantity: 1 }))).code).toBe('forbidden');
  });
});
