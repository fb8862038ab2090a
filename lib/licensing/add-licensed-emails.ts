import 'server-only';
import { eq, sql } from 'drizzle-orm';
import { getDb, type Tx } from '@/db/client';
import { subscriptions } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { plural } from '@/lib/format';
import { reenablePortalAccounts } from '@/lib/portal/licensed-accounts';
import { assertNotDisabled } from './subscription-guards';
import { subscriptionState } from './subscription-state';
import { assertAddressesCanBeLicensed } from './validate-addresses';

export type AddLicensedEmailsResult =
  | { status: 'added'; added: number; alreadyLicensed: string[] }
  | { status: 'needs_licenses'; missing: number; available: number };

export const SOURCE_LABEL = { manual: 'manually', csv: 'by CSV import' } as const;

/** Locks the organisation's subscription: every change to license counts is serialised by it. */
export async function lockSubscription(tx: Tx, orgId: string) {
  const [sub] = await tx
    .select({
      purchased: subscriptions.licensesPurchased,
      used: subscriptions.licensesUsed,
      termStart: subscriptions.termStart,
      renewalDate: subscriptions.renewalDate,
    })
    .from(subscriptions)
    .where(eq(subscriptions.orgId, orgId))
    .for('update');
  if (!sub) throw new AppError('not_found', 'Your organisation has no subscription.');
  return sub;
}

/**
 * Inserts addresses (lower case) in one statement. Those licensed meanwhile by someone else are
 * skipped and returned; only the count comes back from the server unless some were skipped. An
 * address licensed again after its removal gets its portal account back, pending a new password
 * (lib/portal/licensed-accounts.ts); a skipped one is licensed, so it has no disabled account.
 */
export async function insertLicensedEmails(tx: Tx, orgId: string, emails: string[], now: Date) {
  if (emails.length === 0) return { inserted: 0, skipped: [] as string[] };
  await reenablePortalAccounts(tx, emails);
  const [row] = (await tx.execute<{ n: number }>(sql`
    with inserted as (
      insert into licensed_emails (org_id, email, created_at)
      select ${orgId}::uuid, e, ${now.toISOString()}::timestamptz from unnest(${sql.param(emails)}::text[]) as e
      on conflict (email) do nothing
      returning 1
    )
    select count(*)::int as n from inserted`)) as unknown as { n: number }[];
  const inserted = row?.n ?? 0;
  if (inserted === emails.length) return { inserted, skipped: [] as string[] };
  const mine = await tx.execute<{ email: string }>(
    sql`select email from licensed_emails where org_id = ${orgId}::uuid and created_at = ${now.toISOString()}::timestamptz and email = any(${sql.param(emails)}::text[])`,
  );
  const added = new Set((mine as unknown as { email: string }[]).map((r) => r.email));
  return { inserted, skipped: emails.filter((e) => !added.has(e)) };
}

type AddInput = {
  actor: AdminActor;
  emails: string[];
  source: keyof typeof SOURCE_LABEL;
  now?: Date;
};

function assertCanAdd(actor: AdminActor) {
  if (!can(actor.level, 'licensed_emails.manage')) throw new AppError('forbidden', 'Your administrator level does not allow adding addresses.');
}

/**
 * Adds addresses within the licenses available. Each must be in one of the organisation's domains
 * and not licensed already (assertAddressesCanBeLicensed: refused with a field error per address,
 * `emails.<index>`). When they do not fit, nothing is added and the caller learns how many
 * licenses are missing (the purchase flow takes over). Concurrent adds are serialised on the
 * subscription row, so licenses are never over-allocated.
 */
export async function addLicensedEmails(input: AddInput): Promise<AddLicensedEmailsResult> {
  assertCanAdd(input.actor);
  if (input.emails.length === 0) throw new AppError('invalid_input', 'Add at least one address.');
  const emails = await assertAddressesCanBeLicensed(getDb(), input.actor.orgId, input.emails);
  return addCheckedLicensedEmails({ ...input, emails });
}

/**
 * The adding itself, for addresses already checked against the same rule by the caller's own
 * report (importLicensedEmails: the CSV's lines, checked once for 100,000 of them). Not for app/:
 * actions and routes call addLicensedEmails or importLicensedEmails.
 */
export async function addCheckedLicensedEmails(input: AddInput): Promise<AddLicensedEmailsResult> {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanAdd(actor);
  const emails = [...new Set(input.emails.map((e) => e.trim().toLowerCase()))];
  if (emails.length === 0) throw new AppError('invalid_input', 'Add at least one address.');

  return getDb().transaction(async (tx) => {
    const sub = await lockSubscription(tx, actor.orgId);
    assertNotDisabled(subscriptionState(sub.renewalDate, now), 'licensed addresses cannot be added.');
    const available = Math.max(0, sub.purchased - sub.used);
    if (emails.length > available) return { status: 'needs_licenses' as const, missing: emails.length - available, available };
    const { inserted, skipped } = await insertLicensedEmails(tx, actor.orgId, emails, now);
    if (inserted > 0) {
      await recordAuditEvent(tx, {
        orgId: actor.orgId,
        actor: auditActorOf(actor),
        action: 'licensed_emails.added',
        summary: `${plural(inserted, 'email')} added ${SOURCE_LABEL[input.source]}${inserted <= 3 ? `: ${emails.filter((e) => !skipped.includes(e)).join(', ')}` : ''}`,
        target: { type: 'licensed_emails', id: '', label: `${inserted}` },
        clientAddress: actor.clientAddress,
        metadata: { count: inserted, source: input.source },
        now,
      });
    }
    return { status: 'added' as const, added: inserted, alreadyLicensed: skipped };
  });
}
