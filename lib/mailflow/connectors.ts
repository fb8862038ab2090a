import 'server-only';
import { isUuid } from '@/lib/ids';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { administrators, mailConnectorCounters, mailConnectors } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { hashToken } from '@/lib/auth/tokens';
import { AppError } from '@/lib/errors/app-error';
import { normaliseClientAddress, parseRanges } from './ip-ranges';

/**
 * Connectors (README "Mail flow"): how the gateway recognises an organisation's mail server. SMTP AUTH with a
 * generated secret — shown once, only its SHA-256 stored (like API keys: 256 random bits need no
 * slow hash, and AUTH on every pooled connection stays cheap) — and/or client IP ranges.
 */
const SECRET_PREFIX = 'smtp_';
const USERNAME = /^[a-z0-9][a-z0-9._-]{2,63}$/;

const name = z.string().trim().min(1, 'Enter a name.').max(100, 'The name is too long (at most 100 characters).');
const username = z
  .string()
  .trim()
  .toLowerCase()
  .max(64, 'The user name is too long (at most 64 characters).')
  .refine((v) => v === '' || USERNAME.test(v), '3 to 64 characters: letters, digits, dot, dash or underscore, starting with a letter or digit.');
const ranges = z.string().max(5000, 'Too many ranges.');

export const createConnectorSchema = z.object({
  name,
  /** Empty: no SMTP AUTH, recognised by IP range only. */
  smtpUsername: username.default(''),
  allowedRanges: ranges.default(''),
});
export const updateConnectorRangesSchema = z.object({ id: z.string().uuid('Unknown connector.'), allowedRanges: ranges });
export const connectorIdSchema = z.object({ id: z.string().uuid('Unknown connector.') });

function assertCanManage(actor: AdminActor) {
  if (!can(actor.level, 'settings.manage')) throw new AppError('forbidden', 'Only level 1 administrators manage mail connectors.');
}

function rangesOrThrow(text: string): string[] {
  const { ranges: parsed, errors } = parseRanges(text);
  if (errors.length > 0) throw new AppError('invalid_input', 'Check the highlighted fields.', { allowedRanges: errors });
  return parsed;
}

export function newConnectorSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64url');
}

function isUniqueViolation(e: unknown): boolean {
  for (let c: unknown = e; c && typeof c === 'object'; c = (c as { cause?: unknown }).cause) {
    if ((c as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/** Creates a connector; returns the secret in full — the only time it exists outside the caller. */
export async function createConnector(input: { actor: AdminActor; name: string; smtpUsername?: string; allowedRanges?: string; now?: Date }) {
  const { actor } = input;
  assertCanManage(actor);
  const parsed = createConnectorSchema.safeParse({ name: input.name, smtpUsername: input.smtpUsername ?? '', allowedRanges: input.allowedRanges ?? '' });
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0] ?? '_form')] ??= []).push(issue.message);
    throw new AppError('invalid_input', 'Check the highlighted fields.', fieldErrors);
  }
  const allowed = rangesOrThrow(parsed.data.allowedRanges);
  const user = parsed.data.smtpUsername || null;
  if (!user && allowed.length === 0) {
    throw new AppError('invalid_input', 'A connector needs SMTP AUTH, IP ranges, or both.', { smtpUsername: ['Enter a user name, or IP ranges below.'] });
  }
  const secret = user ? newConnectorSecret() : null;
  const now = input.now ?? new Date();
  try {
    const id = await getDb().transaction(async (tx) => {
      const [row] = await tx
        .insert(mailConnectors)
        .values({ orgId: actor.orgId, name: parsed.data.name, smtpUsername: user, secretHash: secret ? hashToken(secret) : null, allowedRanges: allowed, createdBy: actor.email, createdAt: now, updatedAt: now })
        .returning({ id: mailConnectors.id });
      await recordAuditEvent(tx, {
        orgId: actor.orgId,
        actor: auditActorOf(actor),
        action: 'mail_connectors.created',
        summary: `${actor.email} created the mail connector "${parsed.data.name}"${user ? ` (SMTP AUTH user ${user})` : ''}${allowed.length ? `, IP ranges ${allowed.join(', ')}` : ''}`,
        target: { type: 'mail_connector', id: row.id, label: parsed.data.name },
        clientAddress: actor.clientAddress,
        now,
      });
      return row.id;
    });
    return { id, name: parsed.data.name, smtpUsername: user, secret };
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('conflict', 'That user name is taken.', { smtpUsername: ['That user name is taken; choose another.'] });
    throw e;
  }
}

async function loadForUpdate(tx: DbOrTx, orgId: string, id: string) {
  const [row] = await tx
    .select({ id: mailConnectors.id, name: mailConnectors.name, allowedRanges: mailConnectors.allowedRanges, smtpUsername: mailConnectors.smtpUsername })
    .from(mailConnectors)
    .where(and(eq(mailConnectors.id, id), eq(mailConnectors.orgId, orgId)))
    .for('update');
  if (!row) throw new AppError('not_found', 'That connector does not exist.');
  return row;
}

/** Replaces a connector's IP ranges. A connector without SMTP AUTH must keep at least one. */
export async function updateConnectorRanges(input: { actor: AdminActor; id: string; allowedRanges: string; now?: Date }) {
  const { actor } = input;
  assertCanManage(actor);
  if (!isUuid(input.id)) throw new AppError('not_found', 'That connector does not exist.');
  const allowed = rangesOrThrow(input.allowedRanges);
  const now = input.now ?? new Date();
  await getDb().transaction(async (tx) => {
    const target = await loadForUpdate(tx, actor.orgId, input.id);
    if (!target.smtpUsername && allowed.length === 0) {
      throw new AppError('invalid_input', 'This connector has no SMTP AUTH: keep at least one IP range, or delete it.', { allowedRanges: ['Enter at least one range.'] });
    }
    await tx.update(mailConnectors).set({ allowedRanges: allowed, updatedAt: now }).where(and(eq(mailConnectors.id, target.id), eq(mailConnectors.orgId, actor.orgId)));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'mail_connectors.updated',
      summary: `${actor.email} changed the IP ranges of the mail connector "${target.name}" from ${target.allowedRanges.join(', ') || 'none'} to ${allowed.join(', ') || 'none'}`,
      target: { type: 'mail_connector', id: target.id, label: target.name },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}

/** Deletes a connector: its mail server is refused from the next connection on. Messages already accepted are kept. */
export async function deleteConnector(input: { actor: AdminActor; id: string; now?: Date }) {
  const { actor } = input;
  assertCanManage(actor);
  if (!isUuid(input.id)) throw new AppError('not_found', 'That connector does not exist.');
  const now = input.now ?? new Date();
  await getDb().transaction(async (tx) => {
    const target = await loadForUpdate(tx, actor.orgId, input.id);
    await tx.delete(mailConnectors).where(and(eq(mailConnectors.id, target.id), eq(mailConnectors.orgId, actor.orgId)));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'mail_connectors.deleted',
      summary: `${actor.email} deleted the mail connector "${target.name}"`,
      target: { type: 'mail_connector', id: target.id, label: target.name },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}

export type ConnectorRow = {
  id: string;
  name: string;
  smtpUsername: string | null;
  allowedRanges: string[];
  createdBy: string;
  createdByName: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  refusalsLastHour: number;
};

/** The organisation's connectors, newest first. Never the secret's hash. */
export async function listConnectors(db: DbOrTx, orgId: string, now: Date = new Date()): Promise<ConnectorRow[]> {
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const refusals = db
    .select({ connectorId: mailConnectorCounters.connectorId, n: sql<number>`sum(${mailConnectorCounters.count})::int`.as('n') })
    .from(mailConnectorCounters)
    .where(and(eq(mailConnectorCounters.kind, 'refusals'), gte(mailConnectorCounters.minute, hourAgo)))
    .groupBy(mailConnectorCounters.connectorId)
    .as('refusals');
  return db
    .select({
      id: mailConnectors.id,
      name: mailConnectors.name,
      smtpUsername: mailConnectors.smtpUsername,
      allowedRanges: mailConnectors.allowedRanges,
      createdBy: mailConnectors.createdBy,
      createdByName: administrators.name,
      createdAt: mailConnectors.createdAt,
      lastUsedAt: mailConnectors.lastUsedAt,
      refusalsLastHour: sql<number>`coalesce(${refusals.n}, 0)`.mapWith(Number),
    })
    .from(mailConnectors)
    .leftJoin(administrators, and(eq(administrators.orgId, mailConnectors.orgId), eq(administrators.email, mailConnectors.createdBy)))
    .leftJoin(refusals, eq(refusals.connectorId, mailConnectors.id))
    .where(eq(mailConnectors.orgId, orgId))
    .orderBy(desc(mailConnectors.createdAt), desc(mailConnectors.id));
}

export type RecognisedConnector = { id: string; orgId: string; name: string };

/**
 * The connector an SMTP AUTH user name and secret belong to, or null. Looked up by user name, then
 * the hashes compared in constant time; a connector whose secret is wrong gets the same null as an
 * unknown user name.
 */
export async function authenticateConnector(db: DbOrTx, user: string, secret: string, now: Date = new Date()): Promise<RecognisedConnector | null> {
  const login = user.trim().toLowerCase();
  if (!USERNAME.test(login) || secret.length === 0 || secret.length > 512) return null;
  const [row] = await db
    .select({ id: mailConnectors.id, orgId: mailConnectors.orgId, name: mailConnectors.name, secretHash: mailConnectors.secretHash })
    .from(mailConnectors)
    .where(eq(mailConnectors.smtpUsername, login));
  const presented = Buffer.from(hashToken(secret), 'hex');
  const stored = Buffer.from(row?.secretHash ?? hashToken('no connector'), 'hex');
  if (!row || !row.secretHash || !timingSafeEqual(presented, stored)) return null;
  await db.update(mailConnectors).set({ lastUsedAt: now }).where(eq(mailConnectors.id, row.id));
  return { id: row.id, orgId: row.orgId, name: row.name };
}

/**
 * The connector whose IP ranges hold the client's address, or null. PostgreSQL compares the
 * addresses (`inet <<= inet`), IPv4 and IPv6 alike. Ranges of two organisations may overlap (a
 * shared provider): then the most specific range wins, and a tie recognises nobody rather than
 * guessing whose mail it is.
 */
export async function connectorForAddress(db: DbOrTx, clientAddress: string): Promise<RecognisedConnector | null> {
  const address = normaliseClientAddress(clientAddress);
  if (!address) return null;
  const rows = await db.execute<{ id: string; org_id: string; name: string; bits: number }>(sql`
    select c.id, c.org_id, c.name, max(masklen(r::inet))::int as bits
    from mail_connectors c, unnest(c.allowed_ranges) as r
    where ${address}::inet <<= r::inet
    group by c.id, c.org_id, c.name
    order by bits desc
    limit 2`);
  const [best, next] = rows as unknown as { id: string; org_id: string; name: string; bits: number }[];
  if (!best || (next && next.bits === best.bits && next.org_id !== best.org_id)) return null;
  return { id: best.id, orgId: best.org_id, name: best.name };
}
