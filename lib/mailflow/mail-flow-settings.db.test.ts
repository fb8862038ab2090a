import { and, eq, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, dkimKeys, domains } from '@/db/schema';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { disableDkimKey, generateDkimKey, listDkimDomains, rotateDkimKey, signingKeyFor } from './dkim-keys';
import { inboundRouteOf, normaliseRouteHost, removeInboundRoute, saveInboundRoute } from './inbound-route';

async function events(orgId: string, prefix: string) {
  return getDb()
    .select({ action: auditEvents.action, summary: auditEvents.summary })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), like(auditEvents.action, `${prefix}%`)))
    .orderBy(auditEvents.id);
}

describe('the inbound route', () => {
  it('a level 1 administrator sets, changes and removes it, each change an audit event', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    expect(await inboundRouteOf(getDb(), org.orgId)).toBeNull();

    await saveInboundRoute({ actor: owner, host: ' Mail.Example.COM ', port: '25', tls: 'verified' });
    expect(await inboundRouteOf(getDb(), org.orgId)).toEqual({ host: 'mail.example.com', port: 25, tls: 'verified' });
    // Saving the same route again changes nothing and records nothing.
    await saveInboundRoute({ actor: owner, host: 'mail.example.com', port: 25, tls: 'verified' });
    await saveInboundRoute({ actor: owner, host: '[2001:db8::25]', port: 2525, tls: 'opportunistic' });
    expect(await inboundRouteOf(getDb(), org.orgId)).toEqual({ host: '2001:db8::25', port: 2525, tls: 'opportunistic' });
    await removeInboundRoute({ actor: owner });
    expect(await inboundRouteOf(getDb(), org.orgId)).toBeNull();
    expect((await refusal(removeInboundRoute({ actor: owner }))).message).toBe('There is no inbound route to remove.');

    expect(await events(org.orgId, 'mail_flow.inbound_route')).toEqual([
      { action: 'mail_flow.inbound_route_changed', summary: `owner@${org.domain} set the inbound route to mail.example.com:25 (TLS required, certificate verified): replies from the portal are delivered there` },
      {
        action: 'mail_flow.inbound_route_changed',
        summary: `owner@${org.domain} changed the inbound route from mail.example.com:25 (TLS required, certificate verified) to [2001:db8::25]:2525 (TLS when offered)`,
      },
      { action: 'mail_flow.inbound_route_removed', summary: `owner@${org.domain} removed the inbound route [2001:db8::25]:2525 (TLS when offered): replies stay in the portal only` },
    ]);
  });

  it('refuses bad hosts, ports and TLS choices field by field, and administrators below level 1', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const bad = await refusal(saveInboundRoute({ actor: owner, host: 'mail server', port: '0', tls: 'sometimes' }));
    expect(bad.code).toBe('invalid_input');
    expect(bad.fieldErrors).toEqual({
      host: ['Enter the mail server’s full host name (e.g. mail.example.com) or its IP address.'],
      port: ['Enter a port number from 1 to 65535.'],
      tls: ['Choose how TLS is used.'],
    });
    expect((await refusal(saveInboundRoute({ actor: owner, host: '', port: 'x', tls: 'verified' }))).fieldErrors).toEqual({
      host: ['Enter the host of your mail server.', 'Enter the mail server’s full host name (e.g. mail.example.com) or its IP address.'],
      port: ['Enter a port number from 1 to 65535.'],
    });
    expect((await refusal(saveInboundRoute({ actor: owner, host: 'mail.example.com', port: 70000, tls: 'verified' }))).fieldErrors).toEqual({ port: ['Enter a port number from 1 to 65535.'] });
    const manager = await refusal(saveInboundRoute({ actor: await actorFor(org.managerId), host: 'mail.example.com', port: 25, tls: 'verified' }));
    expect(manager.code).toBe('forbidden');
    expect(await inboundRouteOf(getDb(), org.orgId)).toBeNull();
    expect(await events(org.orgId, 'mail_flow.inbound_route')).toEqual([]);
  });

  it('host names need two labels; IP addresses are taken as they are', () => {
    expect(normaliseRouteHost('exchange01')).toBeNull();
    expect(normaliseRouteHost('mail.example.com.')).toBe('mail.example.com');
    expect(normaliseRouteHost('-bad.example.com')).toBeNull();
    expect(normaliseRouteHost('192.0.2.25')).toBe('192.0.2.25');
    expect(normaliseRouteHost('1.2.3')).toBeNull();
    expect(normaliseRouteHost('[::1]')).toBe('::1');
  });
});

describe('DKIM keys per domain', () => {
  it('generate, rotate and turn off: one active key, retired keys lose their private half, audit events', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    expect(await listDkimDomains(getDb(), org.orgId)).toEqual([{ domain: org.domain, active: null, retired: [] }]);
    expect(await signingKeyFor(getDb(), org.orgId, org.domain)).toBeNull();

    const first = await generateDkimKey({ actor: owner, domain: org.domain.toUpperCase() });
    expect(first.record.name).toBe(`${first.selector}._domainkey.${org.domain}`);
    expect(first.record.value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+=*$/);
    const signing = await signingKeyFor(getDb(), org.orgId, org.domain);
    expect(signing).toMatchObject({ domain: org.domain, selector: first.selector });
    expect(signing?.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const again = await refusal(generateDkimKey({ actor: owner, domain: org.domain }));
    expect(again.message).toBe(`${org.domain} already has a DKIM key (selector ${first.selector}). Rotate it to make a new one.`);

    const second = await rotateDkimKey({ actor: owner, domain: org.domain });
    expect(second.selector).not.toBe(first.selector);
    expect((await signingKeyFor(getDb(), org.orgId, org.domain))?.selector).toBe(second.selector);
    const listed = await listDkimDomains(getDb(), org.orgId);
    expect(listed[0].active).toMatchObject({ selector: second.selector, bits: 2048, createdBy: owner.email, record: second.record });
    expect(listed[0].retired).toEqual([{ selector: first.selector, retiredAt: expect.any(Date), record: first.record }]);
    // The page's data never carries a private key.
    expect(JSON.stringify(listed)).not.toContain('PRIVATE KEY');

    await disableDkimKey({ actor: owner, domain: org.domain });
    expect(await signingKeyFor(getDb(), org.orgId, org.domain)).toBeNull();
    expect((await refusal(disableDkimKey({ actor: owner, domain: org.domain }))).message).toBe(`DKIM signing is already off for ${org.domain}.`);
    expect((await refusal(rotateDkimKey({ actor: owner, domain: org.domain }))).message).toBe(`${org.domain} has no DKIM key to rotate. Generate one.`);
    const rows = await getDb().select({ status: dkimKeys.status, privateKey: dkimKeys.privateKey }).from(dkimKeys).where(eq(dkimKeys.orgId, org.orgId));
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === 'retired' && r.privateKey === null)).toBe(true);

    expect((await events(org.orgId, 'dkim_keys.')).map((e) => e.action)).toEqual(['dkim_keys.generated', 'dkim_keys.rotated', 'dkim_keys.disabled']);
    expect((await events(org.orgId, 'dkim_keys.'))[1].summary).toBe(`owner@${org.domain} rotated the DKIM key of ${org.domain}: selector ${first.selector} retired, ${second.selector} signs from now on`);
  });

  it('another organisation’s domain is "not found", and only level 1 manages keys', async () => {
    const org = await createTestOrg();
    const other = await createTestOrg();
    const intruder = await actorFor(other.ownerId);
    for (const change of [generateDkimKey, rotateDkimKey, disableDkimKey]) {
      const refused = await refusal(change({ actor: intruder, domain: org.domain }));
      expect(refused.code).toBe('not_found');
    }
    expect((await refusal(generateDkimKey({ actor: await actorFor(org.managerId), domain: org.domain }))).code).toBe('forbidden');
    const [domain] = await getDb().select({ id: domains.id }).from(domains).where(eq(domains.orgId, org.orgId));
    expect(await getDb().select().from(dkimKeys).where(eq(dkimKeys.domainId, domain.id))).toEqual([]);
    // A key of one organisation never signs for another.
    await generateDkimKey({ actor: await actorFor(org.ownerId), domain: org.domain });
    expect(await signingKeyFor(getDb(), other.orgId, org.domain)).toBeNull();
  });
});
