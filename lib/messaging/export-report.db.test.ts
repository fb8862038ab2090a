import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, portalUsers, secureMessages } from '@/db/schema';
import { actorFor, createTestOrg } from '@/tests/factories';
import { exportMessagesReport } from './export-report';
import { messagesReport } from './reports';

async function sender() {
  const [user] = await getDb()
    .insert(portalUsers)
    .values({ email: `s${randomBytes(5).toString('hex')}@acme.example`, status: 'active' })
    .returning({ id: portalUsers.id });
  return user.id;
}

describe('messagesReport and its CSV', () => {
  it('a year by week: 53 bars holding every message; the CSV has the same numbers and the export is an event', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    const from = await sender();
    const sent = (orgId: string, at: string, direction: 'outbound' | 'inbound' = 'outbound') =>
      getDb().insert(secureMessages).values({ id: randomUUID(), orgId, senderId: from, direction, sentAt: new Date(at) });
    await sent(org.orgId, '2024-01-01T08:00:00Z');
    await sent(org.orgId, '2024-01-07T23:59:59Z', 'inbound');
    await sent(org.orgId, '2024-01-08T00:00:00Z');
    await sent(org.orgId, '2024-12-31T12:00:00Z');
    await sent(other.orgId, '2024-01-02T08:00:00Z');

    const range = { from: '2024-01-01', to: '2024-12-31' };
    const report = await messagesReport(getDb(), org.orgId, range, 'week');
    expect(report.periods).toHaveLength(53);
    expect(report.periods[0]).toEqual({ start: '2024-01-01', end: '2024-01-07', outbound: 1, inbound: 1 });
    expect(report.periods[1]).toMatchObject({ start: '2024-01-08', outbound: 1, inbound: 0 });
    expect(report.periods.at(-1)).toEqual({ start: '2024-12-30', end: '2024-12-31', outbound: 1, inbound: 0 });
    expect(report.totals).toEqual({ total: 4, outbound: 3, inbound: 1 });

    const actor = await actorFor(org.viewerId);
    const { filename, csv } = await exportMessagesReport({ actor, range, unit: 'week' });
    expect(filename).toBe('secure-messages-2024-01-01-to-2024-12-31-by-week.csv');
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('Period start,Period end,Outbound,Inbound,Total');
    expect(lines[1]).toBe('2024-01-01,2024-01-07,1,1,2');
    expect(lines[2]).toBe('2024-01-08,2024-01-14,1,0,1');
    expect(lines).toHaveLength(1 + 53 + 1);
    expect(lines.at(-2)).toBe('2024-12-30,2024-12-31,1,0,1');

    const [event] = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'reports.exported')));
    expect(event).toMatchObject({ actorEmail: `viewer@${org.domain}`, targetLabel: filename });
    expect(event.summary).toBe('Exported the secure-message report from 2024-01-01 to 2024-12-31 by week (53 rows)');

    // By month: twelve bars.
    expect((await messagesReport(getDb(), org.orgId, range, 'month')).periods).toHaveLength(12);
  });
});
