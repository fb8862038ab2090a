import 'server-only';
import net from 'node:net';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { organisations } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';

/**
 * The organisation's inbound route (issue #17, item 7, "replies come home"): its own mail server,
 * host and port, where a reply an external recipient writes in the portal is also delivered by
 * SMTP to the internal user's mailbox (reply-home.ts, through the delivery job). Without one,
 * replies stay in the portal only.
 */
export type InboundRouteTls = 'verified' | 'opportunistic';
export type InboundRoute = { host: string; port: number; tls: InboundRouteTls };

export const INBOUND_ROUTE_TLS_LABELS: Record<InboundRouteTls, string> = {
  verified: 'Require TLS with a verified certificate',
  opportunistic: 'Use TLS when the server offers it',
};

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const HOST_HELP = 'Enter the mail server’s full host name (e.g. mail.example.com) or its IP address.';

/** A host name with at least two labels, or an IP address (IPv6 with or without brackets); lower case. Null when it is neither. */
export function normaliseRouteHost(value: string): string | null {
  let host = value.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (net.isIP(host)) return host;
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0 || host.length > 253) return null;
  const labels = host.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels[labels.length - 1])) return null;
  return host;
}

export const saveInboundRouteSchema = z.object({
  host: z
    .string()
    .trim()
    .min(1, 'Enter the host of your mail server.')
    .max(255, HOST_HELP)
    .refine((v) => normaliseRouteHost(v) !== null, HOST_HELP),
  port: z.coerce
    .number({ message: 'Enter a port number from 1 to 65535.' })
    .int('Enter a port number from 1 to 65535.')
    .min(1, 'Enter a port number from 1 to 65535.')
    .max(65535, 'Enter a port number from 1 to 65535.'),
  tls: z.enum(['verified', 'opportunistic'], { message: 'Choose how TLS is used.' }),
});
export const removeInboundRouteSchema = z.object({});

function assertCanManage(actor: AdminActor) {
  if (!can(actor.level, 'settings.manage')) throw new AppError('forbidden', 'Only level 1 administrators change the inbound route.');
}

export function describeRoute(route: InboundRoute): string {
  const host = net.isIPv6(route.host) ? `[${route.host}]` : route.host;
  return `${host}:${route.port} (${route.tls === 'verified' ? 'TLS required, certificate verified' : 'TLS when offered'})`;
}

/** The organisation's inbound route, or null: replies stay in the portal only. */
export async function inboundRouteOf(db: DbOrTx, orgId: string): Promise<InboundRoute | null> {
  const [row] = await db
    .select({ host: organisations.inboundRouteHost, port: organisations.inboundRoutePort, tls: organisations.inboundRouteTls })
    .from(organisations)
    .where(eq(organisations.id, orgId));
  if (!row?.host || !row.port) return null;
  return { host: row.host, port: row.port, tls: row.tls };
}

/** Sets or changes the inbound route; the change and its audit event commit together. */
export async function saveInboundRoute(input: { actor: AdminActor; host: string; port: number | string; tls: string; now?: Date }): Promise<InboundRoute> {
  const { actor } = input;
  assertCanManage(actor);
  const parsed = saveInboundRouteSchema.safeParse({ host: input.host, port: input.port, tls: input.tls });
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0] ?? '_form')] ??= []).push(issue.message);
    throw new AppError('invalid_input', 'Check the highlighted fields.', fieldErrors);
  }
  const route: InboundRoute = { host: normaliseRouteHost(parsed.data.host) ?? '', port: parsed.data.port, tls: parsed.data.tls };
  const now = input.now ?? new Date();
  await getDb().transaction(async (tx) => {
    const [before] = await tx
      .select({ host: organisations.inboundRouteHost, port: organisations.inboundRoutePort, tls: organisations.inboundRouteTls })
      .from(organisations)
      .where(eq(organisations.id, actor.orgId))
      .for('update');
    const previous = before?.host && before.port ? describeRoute({ host: before.host, port: before.port, tls: before.tls }) : null;
    const next = describeRoute(route);
    if (previous === next) return;
    await tx.update(organisations).set({ inboundRouteHost: route.host, inboundRoutePort: route.port, inboundRouteTls: route.tls }).where(eq(organisations.id, actor.orgId));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'mail_flow.inbound_route_changed',
      summary: previous ? `${actor.email} changed the inbound route from ${previous} to ${next}` : `${actor.email} set the inbound route to ${next}: replies from the portal are delivered there`,
      target: { type: 'organisation', id: actor.orgId, label: actor.orgName },
      clientAddress: actor.clientAddress,
      now,
    });
  });
  return route;
}

/** Removes the inbound route: from now on replies stay in the portal only. */
export async function removeInboundRoute(input: { actor: AdminActor; now?: Date }): Promise<void> {
  const { actor } = input;
  assertCanManage(actor);
  const now = input.now ?? new Date();
  await getDb().transaction(async (tx) => {
    const [before] = await tx
      .select({ host: organisations.inboundRouteHost, port: organisations.inboundRoutePort, tls: organisations.inboundRouteTls })
      .from(organisations)
      .where(eq(organisations.id, actor.orgId))
      .for('update');
    if (!before?.host || !before.port) throw new AppError('conflict', 'There is no inbound route to remove.');
    await tx.update(organisations).set({ inboundRouteHost: null, inboundRoutePort: null }).where(eq(organisations.id, actor.orgId));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'mail_flow.inbound_route_removed',
      summary: `${actor.email} removed the inbound route ${describeRoute({ host: before.host, port: before.port, tls: before.tls })}: replies stay in the portal only`,
      target: { type: 'organisation', id: actor.orgId, label: actor.orgName },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}
