import 'server-only';
import { and, eq, sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { getDb } from '@/db/client';
import { licensedEmails, organisations, secureMessages } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { isUuid } from '@/lib/ids';

/**
 * The organisation's branding (issue #23): its name and logo, on the portal's sign-in page, the
 * inbox header and the notification emails, so recipients know who wrote to them. The logo is a
 * PNG or JPEG of at most 256 KB, kept in the database and served by /branding/[orgId]/logo. SVG is
 * refused rather than sanitised: an SVG is a document that can carry script and remote loads, and
 * no sanitiser for it is part of this project; a PNG or JPEG is only pixels.
 */

export const MAX_LOGO_BYTES = 256 * 1024;
export type LogoType = 'image/png' | 'image/jpeg';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The image type its first bytes say (never the name or the declared type); null for anything else. */
export function logoTypeOf(bytes: Buffer): LogoType | null {
  if (bytes.length > PNG_SIGNATURE.length && bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) return 'image/png';
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}

/** Why a file is not accepted as a logo, or null when it is. */
export function logoProblem(bytes: Buffer): string | null {
  if (bytes.length === 0) return 'The file is empty.';
  if (bytes.length > MAX_LOGO_BYTES) return `The logo can be at most 256 KB; this file is ${Math.ceil(bytes.length / 1024)} KB.`;
  if (logoTypeOf(bytes)) return null;
  const head = bytes.subarray(0, 512).toString('utf8').trimStart().toLowerCase();
  if (head.startsWith('<svg') || head.startsWith('<?xml') || head.includes('<svg')) {
    return 'SVG logos are not accepted (an SVG can carry scripts). Upload the logo as a PNG or JPEG.';
  }
  return 'The logo must be a PNG or JPEG image.';
}

export type Branding = { orgId: string; name: string; logoUrl: string | null };

/** Where the logo is served; the version makes a new logo a new address (it is cached for a year). */
export function logoPath(orgId: string, updatedAt: Date): string {
  return `/branding/${orgId}/logo?v=${updatedAt.getTime()}`;
}

const brandingColumns = { orgId: organisations.id, name: organisations.name, logoUpdatedAt: organisations.logoUpdatedAt, hasLogo: sql<boolean>`${organisations.logo} is not null` };

function toBranding(row: { orgId: string; name: string; logoUpdatedAt: Date | null; hasLogo: boolean }): Branding {
  return { orgId: row.orgId, name: row.name, logoUrl: row.hasLogo && row.logoUpdatedAt ? logoPath(row.orgId, row.logoUpdatedAt) : null };
}

export async function getBranding(db: DbOrTx, orgId: string): Promise<Branding | null> {
  if (!isUuid(orgId)) return null;
  const [row] = await db.select(brandingColumns).from(organisations).where(eq(organisations.id, orgId));
  return row ? toBranding(row) : null;
}

/** The branding of the organisation a message belongs to (the sign-in page a notification link leads to). */
export async function brandingOfMessage(db: DbOrTx, messageId: string): Promise<Branding | null> {
  if (!isUuid(messageId)) return null;
  const [row] = await db.select(brandingColumns).from(secureMessages).innerJoin(organisations, eq(organisations.id, secureMessages.orgId)).where(eq(secureMessages.id, messageId));
  return row ? toBranding(row) : null;
}

/**
 * The organisations a portal user's inbox is from: an internal user's own organisation; for an
 * external recipient, the organisations that have written to them, most recent first (at most 3).
 */
export async function brandingForPortalUser(db: DbOrTx, user: { id: string; email: string }): Promise<Branding[]> {
  const [own] = await db.select(brandingColumns).from(licensedEmails).innerJoin(organisations, eq(organisations.id, licensedEmails.orgId)).where(eq(licensedEmails.email, user.email)).limit(1);
  if (own) return [toBranding(own)];
  // From their newest 50 messages (the inbox index), not all of them: a long-standing correspondent has many.
  const rows = (await db.execute<{ org_id: string; name: string; logo_updated_at: Date | string | null; has_logo: boolean }>(sql`
    select o.id as org_id, o.name, o.logo_updated_at, o.logo is not null as has_logo
    from (
      select m.org_id, r.sent_at from message_recipients r join secure_messages m on m.id = r.message_id
      where r.user_id = ${user.id} order by r.sent_at desc limit 50
    ) recent
    join organisations o on o.id = recent.org_id
    group by o.id
    order by max(recent.sent_at) desc
    limit 3`)) as unknown as { org_id: string; name: string; logo_updated_at: Date | string | null; has_logo: boolean }[];
  return rows.map((r) => toBranding({ orgId: r.org_id, name: r.name, logoUpdatedAt: r.logo_updated_at ? new Date(r.logo_updated_at) : null, hasLogo: r.has_logo }));
}

/** The logo's bytes, for its route. */
export async function getLogo(db: DbOrTx, orgId: string): Promise<{ bytes: Buffer; contentType: LogoType } | null> {
  if (!isUuid(orgId)) return null;
  const [row] = await db.select({ bytes: organisations.logo, contentType: organisations.logoContentType }).from(organisations).where(eq(organisations.id, orgId));
  return row?.bytes && row.contentType ? { bytes: row.bytes, contentType: row.contentType } : null;
}

/** Sets the organisation's logo (level 1), with its audit event in the same transaction. */
export async function setOrganisationLogo(input: { actor: AdminActor; bytes: Buffer; fileName: string; now?: Date }): Promise<Branding> {
  const { actor, now = new Date() } = input;
  if (!can(actor.level, 'settings.manage')) throw new AppError('forbidden', 'Only level 1 administrators change the organisation’s logo.');
  const problem = logoProblem(input.bytes);
  if (problem) throw new AppError('invalid_input', problem, { logo: [problem] });
  const contentType = logoTypeOf(input.bytes) as LogoType;
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .update(organisations)
      .set({ logo: input.bytes, logoContentType: contentType, logoUpdatedAt: now })
      .where(eq(organisations.id, actor.orgId))
      .returning({ orgId: organisations.id, name: organisations.name, logoUpdatedAt: organisations.logoUpdatedAt });
    if (!row) throw new AppError('not_found', 'Organisation not found.');
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'organisations.logo_changed',
      summary: `${actor.email} set the organisation's logo (${input.fileName.slice(0, 100)}, ${contentType === 'image/png' ? 'PNG' : 'JPEG'}, ${Math.ceil(input.bytes.length / 1024)} KB)`,
      target: { type: 'organisation', id: actor.orgId },
      clientAddress: actor.clientAddress,
      metadata: { contentType, bytes: input.bytes.length },
      now,
    });
    return toBranding({ ...row, hasLogo: true });
  });
}

/** Removes the organisation's logo (level 1); its name alone shows. Nothing to remove changes nothing. */
export async function removeOrganisationLogo(input: { actor: AdminActor; now?: Date }): Promise<void> {
  const { actor, now = new Date() } = input;
  if (!can(actor.level, 'settings.manage')) throw new AppError('forbidden', 'Only level 1 administrators change the organisation’s logo.');
  await getDb().transaction(async (tx) => {
    const [row] = await tx
      .update(organisations)
      .set({ logo: null, logoContentType: null, logoUpdatedAt: now })
      .where(and(eq(organisations.id, actor.orgId), sql`${organisations.logo} is not null`))
      .returning({ orgId: organisations.id });
    if (!row) return;
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'organisations.logo_removed',
      summary: `${actor.email} removed the organisation's logo`,
      target: { type: 'organisation', id: actor.orgId },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}
