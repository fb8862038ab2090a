import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, licensedEmails } from '@/db/schema';
import { actorFor, createTestOrg } from '@/tests/factories';
import { exportLicensedEmails } from './export-licensed-emails';

async function collect(chunks: AsyncIterable<string | Uint8Array>) {
  let text = '';
  for await (const chunk of chunks) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return text;
}

describe('exportLicensedEmails', () => {
  it('streams every address of the organisation once, sorted, in the import format, across batches', async () => {
    const org = await createTestOrg({ licenses: 20, licensed: 7 });
    // An address a spreadsheet would read as a formula is neutralised like any other cell.
    await getDb().insert(licensedEmails).values({ orgId: org.orgId, email: `-x@${org.domain}` });
    const other = await createTestOrg({ licensed: 3 });
    const csv = await collect(await exportLicensedEmails({ actor: await actorFor(org.managerId), batchSize: 3 }));

    expect(csv.startsWith('\uFEFFEmail\r\n')).toBe(true);
    const lines = csv.slice(1).split('\r\n');
    expect(lines.at(-1)).toBe('');
    const expected = [`-x@${org.domain}`, ...Array.from({ length: 7 }, (_, i) => `user${i}@${org.domain}`)].sort();
    expect(lines.slice(1, -1)).toEqual(expected.map((email) => (email.startsWith('-') ? `'${email}` : email)));
    expect(csv).not.toContain(other.domain);

    const [event] = await getDb()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'licensed_emails.exported')));
    expect(event.summary).toBe('Exported 8 licensed email addresses');
  });

  it('with a search, exports the addresses the list shows for it (wildcards taken literally)', async () => {
    const org = await createTestOrg({ licenses: 20, licensed: 12 });
    await getDb().insert(licensedEmails).values({ orgId: org.orgId, email: `a_b@${org.domain}` });
    const actor = await actorFor(org.managerId);
    const lines = async (search: string) => (await collect(await exportLicensedEmails({ actor, search, batchSize: 2 }))).slice(1).trim().split('\r\n').slice(1);
    expect((await lines('user1')).sort()).toEqual([`user1@${org.domain}`, `user10@${org.domain}`, `user11@${org.domain}`].sort());
    expect(await lines('_')).toEqual([`a_b@${org.domain}`]);
    const [event] = await getDb()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'licensed_emails.exported')))
      .orderBy(auditEvents.id)
      .limit(1);
    expect(event.summary).toBe('Exported 3 licensed email addresses matching "user1"');
  });

  it('writes only the header for an organisation without addresses', async () => {
    const org = await createTestOrg();
    expect(await collect(await exportLicensedEmails({ actor: await actorFor(org.ownerId) }))).toBe('\uFEFFEmail\r\n');
  });
});
