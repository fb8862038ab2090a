import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, mailConnectors } from '@/db/schema';
import { actorFor, createTestOrg } from '@/tests/factories';
import { authenticateConnector, connectorForAddress, createConnector, deleteConnector, listConnectors, updateConnectorRanges } from './connectors';

const tag = () => Math.random().toString(36).slice(2, 8);

async function auditActions(orgId: string) {
  return (await getDb().select({ action: auditEvents.action, summary: auditEvents.summary }).from(auditEvents).where(eq(auditEvents.orgId, orgId))).filter((e) => e.action.startsWith('mail_connectors.'));
}

describe('connectors', () => {
  it('a level-1 administrator adds one: the secret is returned once and only its hash is stored; the change is an event', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const user = `relay-${tag()}`;
    const created = await createConnector({ actor: owner, name: 'Exchange', smtpUsername: user.toUpperCase(), allowedRanges: '192.0.2.0/24\n2001:DB8::/32 198.51.100.7' });
    expect(created.secret).toMatch(/^smtp_[A-Za-z0-9_-]{43}$/);
    expect(created.smtpUsername).toBe(user);
    const [row] = await getDb().select().from(mailConnectors).where(eq(mailConnectors.id, created.id));
    expect(row.secretHash).not.toContain(created.secret ?? '');
    expect(row.allowedRanges).toEqual(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7/32']);
    expect(JSON.stringify(await listConnectors(getDb(), org.orgId))).not.toContain(row.secretHash ?? 'none');
    expect(await auditActions(org.orgId)).toEqual([expect.objectContaining({ action: 'mail_connectors.created' })]);

    expect(await authenticateConnector(getDb(), user, created.secret ?? '')).toMatchObject({ id: created.id, orgId: org.orgId });
    expect(await authenticateConnector(getDb(), user, 'smtp_wrong')).toBeNull();
    expect(await authenticateConnector(getDb(), 'nobody-here', created.secret ?? '')).toBeNull();
    expect(await connectorForAddress(getDb(), '::ffff:192.0.2.77')).toMatchObject({ id: created.id });
    expect(await connectorForAddress(getDb(), '2001:db8:1::5')).toMatchObject({ id: created.id });
    expect(await connectorForAddress(getDb(), '203.0.113.1')).toBeNull();
  });

  it('edits IP ranges and deletes, each with its event; bad ranges and lower levels are refused; another organisation gets "not found"', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const created = await createConnector({ actor: owner, name: 'Office', allowedRanges: '203.0.113.0/24' });
    expect(created.secret).toBeNull();

    await expect(createConnector({ actor: owner, name: 'Nothing' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(createConnector({ actor: owner, name: 'Everything', allowedRanges: '0.0.0.0/0' })).rejects.toMatchObject({ code: 'invalid_input', fieldErrors: { allowedRanges: [expect.stringContaining('too wide')] } });
    await expect(updateConnectorRanges({ actor: owner, id: created.id, allowedRanges: '300.1.1.1/24' })).rejects.toMatchObject({ code: 'invalid_input' });
    // An IP-only connector keeps at least one range.
    await expect(updateConnectorRanges({ actor: owner, id: created.id, allowedRanges: '' })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(createConnector({ actor: await actorFor(org.managerId), name: 'Sneaky', allowedRanges: '192.0.2.0/24' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(deleteConnector({ actor: await actorFor(org.viewerId), id: created.id })).rejects.toMatchObject({ code: 'forbidden' });
    const intruder = await actorFor(other.ownerId);
    await expect(updateConnectorRanges({ actor: intruder, id: created.id, allowedRanges: '198.51.100.0/24' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(deleteConnector({ actor: intruder, id: created.id })).rejects.toMatchObject({ code: 'not_found' });

    await updateConnectorRanges({ actor: owner, id: created.id, allowedRanges: '198.51.100.0/24' });
    const [row] = await getDb().select({ ranges: mailConnectors.allowedRanges }).from(mailConnectors).where(eq(mailConnectors.id, created.id));
    expect(row.ranges).toEqual(['198.51.100.0/24']);
    await deleteConnector({ actor: owner, id: created.id });
    expect(await getDb().select().from(mailConnectors).where(and(eq(mailConnectors.orgId, org.orgId)))).toEqual([]);
    expect((await auditActions(org.orgId)).map((e) => e.action).sort()).toEqual(['mail_connectors.created', 'mail_connectors.deleted', 'mail_connectors.updated']);
    expect(await auditActions(other.orgId)).toEqual([]);
  });

  it('a user name is unique across organisations', async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const user = `shared-${tag()}`;
    await createConnector({ actor: await actorFor(a.ownerId), name: 'A', smtpUsername: user });
    await expect(createConnector({ actor: await actorFor(b.ownerId), name: 'B', smtpUsername: user })).rejects.toMatchObject({ code: 'conflict' });
  });
});
