import 'server-only';
import { and, eq } from 'drizzle-orm';
import { getDb, type Tx } from '@/db/client';
import { licensedEmails } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { isUniqueViolation } from '@/lib/administrators/guards';
import { AppError } from '@/lib/errors/app-error';
import { disablePortalAccount, reenablePortalAccounts } from '@/lib/portal/licensed-accounts';
import { lockSubscription } from './add-licensed-emails';
import { checkLicensedAddress } from './csv-import';
import { listOrgDomains, matchingLicensedEmailIds } from './queries';
import { BULK_CAP, runBulk, type BulkOutcome, type BulkSelection } from '@/lib/lists/bulk';
import { isUuid } from '@/lib/ids';
import { assertNotDisabled, getSubscriptionState } from './subscription-guards';

function assertCanManage(actor: AdminActor) {
  if (!can(actor.level, 'licensed_emails.manage')) throw new AppError('forbidden', 'Your administrator level does not allow changing licensed addresses.');
}

async function lockLicensedEmail(tx: Tx, orgId: string, id: string) {
  if (!isUuid(id)) throw new AppError('not_found', 'That licensed address does not exist.');
  const [row] = await tx
    .select({ id: licensedEmails.id, email: licensedEmails.email })
    .from(licensedEmails)
    .where(and(eq(licensedEmails.id, id), eq(licensedEmails.orgId, orgId)))
    .for('update');
  if (!row) throw new AppError('not_found', 'That licensed address does not exist.');
  return row;
}

/** Renames an address; it keeps its license. The old address's portal account is disabled. */
export async function renameLicensedEmail(input: { actor: AdminActor; id: string; email: string; now?: Date }) {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  try {
    await getDb().transaction(async (tx) => {
      // The row first: another organisation's id is "not found" whatever the new address.
      const current = await lockLicensedEmail(tx, actor.orgId, input.id);
      // A rename hands the license to another address: like an add, refused while disabled.
      assertNotDisabled(await getSubscriptionState(tx, actor.orgId, now), 'licensed addresses cannot be renamed.');
      const domains = await listOrgDomains(tx, actor.orgId);
      const check = checkLicensedAddress(input.email, new Set(domains.map((d) => d.toLowerCase())));
      if (!check.ok) {
        const message = check.reason === 'wrong_domain' ? `Use one of your domains (${domains.join(', ')}).` : `This is not an email address: ${check.detail}.`;
        throw new AppError('invalid_input', message, { local: [message] });
      }
      if (current.email.toLowerCase() === check.email) return;
      await tx.update(licensedEmails).set({ email: check.email }).where(and(eq(licensedEmails.id, input.id), eq(licensedEmails.orgId, actor.orgId)));
      // The old address is no longer licensed: its portal account goes with it. The new one gets
      // an account of its own (when first written to, or back from before, pending a password).
      const disabled = await disablePortalAccount(tx, current.email, now);
      await reenablePortalAccounts(tx, [check.email]);
      await recordAuditEvent(tx, {
        orgId: actor.orgId,
        actor: auditActorOf(actor),
        action: 'licensed_emails.renamed',
        summary: `${current.email} renamed to ${check.email}${disabled ? `; the secure-message account of ${current.email} is disabled` : ''}`,
        target: { type: 'licensed_email', id: input.id, label: check.email },
        clientAddress: actor.clientAddress,
        now,
      });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('conflict', 'That address is already licensed.', { local: ['That address is already licensed.'] });
    throw e;
  }
}

/**
 * Removes an address and frees its license for reuse (the number purchased does not drop); its
 * portal account is disabled and its sessions end.
 */
export async function removeLicensedEmail(input: { actor: AdminActor; id: string; now?: Date }) {
  const { actor } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  await getDb().transaction(async (tx) => {
    // The subscription first, as adds take it: the delete changes its count of licenses in use.
    // Allowed while disabled: taking an address out of use (someone left) must never wait on a payment.
    await lockSubscription(tx, actor.orgId);
    await removeLicensedEmailIn(tx, actor, input.id, now);
  });
}

/**
 * Removes several addresses — those ticked, or all matching a search up to BULK_CAP — each
 * checked and audited as removeLicensedEmail does it, one transaction per batch (the subscription
 * locked once per batch); an address that cannot be removed is reported, the others go.
 */
export async function removeLicensedEmails(input: { actor: AdminActor; selection: BulkSelection; now?: Date }): Promise<BulkOutcome> {
  const { actor, selection } = input;
  const now = input.now ?? new Date();
  assertCanManage(actor);
  const db = getDb();
  const { ids, capped } =
    selection.mode === 'ids' ? { ids: [...new Set(selection.ids)], capped: false } : await matchingLicensedEmailIds(db, actor.orgId, selection.q, BULK_CAP);
  const labels = new Map<string, string>();
  return runBulk(ids, {
    capped,
    transaction: (body) =>
      db.transaction(async (tx) => {
        await lockSubscription(tx, actor.orgId);
        return body(tx);
      }),
    step: async (tx, id) => {
      labels.set(id, (await removeLicensedEmailIn(tx, actor, id, now)).email);
    },
    labelOf: (id) => labels.get(id) ?? id,
  });
}

/** The removal itself, in the caller's transaction (which holds the subscription's lock). */
async function removeLicensedEmailIn(tx: Tx, actor: AdminActor, id: string, now: Date) {
  const current = await lockLicensedEmail(tx, actor.orgId, id);
  await tx.delete(licensedEmails).where(and(eq(licensedEmails.id, id), eq(licensedEmails.orgId, actor.orgId)));
  // Its portal account is disabled and signed out with it; its mail stays for the records.
  const disabled = await disablePortalAccount(tx, current.email, now);
  await recordAuditEvent(tx, {
    orgId: actor.orgId,
    actor: auditActorOf(actor),
    action: 'licensed_emails.removed',
    summary: `${current.email} removed; its license is free for reuse${disabled ? ' and its secure-message account is disabled' : ''}`,
    target: { type: 'licensed_email', id, label: current.email },
    clientAddress: actor.clientAddress,
    now,
  });
  return current;
}
