import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { auditEvents, organisations, outboxMessages, portalUsers } from '@/db/schema';
import { hashPassword } from '@/lib/auth/passwords';
import { sendMessageSchema } from '@/lib/messaging/schemas';
import { sendMessage } from '@/lib/messaging/send-message';
import { getPortalSession } from '@/lib/portal/queries';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { brandingForPortalUser, brandingOfMessage, getLogo, logoProblem, MAX_LOGO_BYTES, removeOrganisationLogo, setOrganisationLogo } from './branding';

/** The smallest valid PNG (1×1, transparent). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

describe('organisation branding', () => {
  it('accepts PNG and JPEG by their bytes, refuses SVG, other files and more than 256 KB', () => {
    expect(logoProblem(PNG)).toBeNull();
    expect(logoProblem(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]))).toBeNull();
    expect(logoProblem(SVG)).toMatch(/SVG logos are not accepted/);
    expect(logoProblem(Buffer.concat([Buffer.from('<?xml version="1.0"?>\n'), SVG]))).toMatch(/SVG logos are not accepted/);
    expect(logoProblem(Buffer.from('GIF89a....'))).toBe('The logo must be a PNG or JPEG image.');
    expect(logoProblem(Buffer.alloc(0))).toBe('The file is empty.');
    expect(logoProblem(Buffer.concat([PNG, Buffer.alloc(MAX_LOGO_BYTES)]))).toMatch(/at most 256 KB/);
  });

  it('a level 1 administrator sets and removes the logo, each with its audit event; level 2 cannot', async () => {
    const org = await createTestOrg();
    const owner = await actorFor(org.ownerId);
    const manager = await actorFor(org.managerId);
    expect((await refusal(setOrganisationLogo({ actor: manager, bytes: PNG, fileName: 'logo.png' }))).code).toBe('forbidden');
    expect((await refusal(setOrganisationLogo({ actor: owner, bytes: SVG, fileName: 'logo.svg' }))).code).toBe('invalid_input');
    expect(await getLogo(getDb(), org.orgId)).toBeNull();

    const branding = await setOrganisationLogo({ actor: owner, bytes: PNG, fileName: 'logo.png', now: new Date('2026-12-01T12:00:00Z') });
    expect(branding.logoUrl).toBe(`/branding/${org.orgId}/logo?v=${new Date('2026-12-01T12:00:00Z').getTime()}`);
    expect(await getLogo(getDb(), org.orgId)).toEqual({ bytes: PNG, contentType: 'image/png' });
    const events = await getDb().select({ action: auditEvents.action, summary: auditEvents.summary }).from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'organisations.logo_changed')));
    expect(events).toHaveLength(1);
    expect(events[0].summary).toContain('logo.png, PNG');

    expect((await refusal(removeOrganisationLogo({ actor: manager }))).code).toBe('forbidden');
    await removeOrganisationLogo({ actor: owner });
    await removeOrganisationLogo({ actor: owner });
    expect(await getLogo(getDb(), org.orgId)).toBeNull();
    const removed = await getDb().select().from(auditEvents).where(and(eq(auditEvents.orgId, org.orgId), eq(auditEvents.action, 'organisations.logo_removed')));
    // Nothing to remove the second time: nothing changed, no event.
    expect(removed).toHaveLength(1);
  });

  it('notification emails, the sign-in page and the inbox header name the organisation that wrote, with its logo', async () => {
    const org = await createTestOrg({ licensed: 1 });
    await setOrganisationLogo({ actor: await actorFor(org.ownerId), bytes: PNG, fileName: 'logo.png' });
    const [{ name }] = await getDb().select({ name: organisations.name }).from(organisations).where(eq(organisations.id, org.orgId));
    const [sender] = await getDb().insert(portalUsers).values({ email: `user0@${org.domain}`, passwordHash: await hashPassword('Portal-Test-Pass-42'), status: 'active' }).returning({ id: portalUsers.id });
    const session = await getPortalSession(getDb(), sender.id);
    if (!session) throw new Error('no session');
    const recipient = `reader.${org.domain.split('.')[0]}@client.example`;
    const { id } = await sendMessage({ ...sendMessageSchema.parse({ to: [recipient], subject: 'Hello', body: 'Body' }), sender: { ...session, sessionId: randomUUID() } });

    const [notice] = await getDb().select().from(outboxMessages).where(eq(outboxMessages.recipient, recipient));
    expect(notice.subject).toContain(`(${name})`);
    expect(notice.bodyText).toContain(`of ${name} sent you a secure message`);
    expect(notice.bodyHtml).toMatch(new RegExp(`<img src="[^"]*/branding/${org.orgId}/logo\\?v=\\d+" alt="${name} logo"`));

    expect(await brandingOfMessage(getDb(), id)).toMatchObject({ orgId: org.orgId, name });
    expect(await brandingOfMessage(getDb(), randomUUID())).toBeNull();
    const [reader] = await getDb().select({ id: portalUsers.id, email: portalUsers.email }).from(portalUsers).where(eq(portalUsers.email, recipient));
    expect((await brandingForPortalUser(getDb(), reader)).map((b) => b.name)).toEqual([name]);
    expect((await brandingForPortalUser(getDb(), { id: sender.id, email: session.email })).map((b) => b.orgId)).toEqual([org.orgId]);
  });
});
