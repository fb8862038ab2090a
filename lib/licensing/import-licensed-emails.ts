import 'server-only';
import { getDb } from '@/db/client';
import type { AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { createCheckedLicenseOrder } from '@/lib/billing/create-order';
import { AppError } from '@/lib/errors/app-error';
import { addCheckedLicensedEmails } from './add-licensed-emails';
import type { ImportReport } from './import-report';
import { validateCsv } from './validate-addresses';

/**
 * A CSV file of addresses (POST /licensed-emails/import). Every line is checked against the rule
 * for licensed addresses (an email address, in one of the organisation's domains, once, not
 * licensed already) and each bad line is reported with its number; the good lines are never lost
 * because of them. `then: 'add'` adds the good lines when they fit the licenses available (else
 * reports how many are missing); `then: 'order'` (level 1) creates the order that buys the
 * missing licenses instead, with the good lines waiting on it.
 */
export async function importLicensedEmails(input: { actor: AdminActor; text: string; then: 'add' | 'order'; quantity?: number; now?: Date }): Promise<ImportReport> {
  const { actor } = input;
  if (!can(actor.level, 'licensed_emails.manage')) throw new AppError('forbidden', 'Your administrator level does not allow adding addresses.');
  if (input.then === 'order' && !can(actor.level, 'billing.pay')) throw new AppError('forbidden', 'Only level 1 administrators buy licenses.');
  // The lines are checked here once, each bad one reported; 100,000 of them are not checked twice.
  const parsed = await validateCsv(getDb(), actor.orgId, input.text);
  const report: Omit<ImportReport, 'outcome'> = {
    totalLines: parsed.totalLines,
    valid: parsed.emails.length,
    problemCount: parsed.problemCount,
    problems: parsed.problems,
  };
  if (parsed.emails.length === 0) return { ...report, outcome: { status: 'nothing_to_add' } };
  if (input.then === 'order') {
    const { orderId } = await createCheckedLicenseOrder({ actor, quantity: input.quantity ?? 0, pendingEmails: parsed.emails, now: input.now });
    return { ...report, outcome: { status: 'ordered', orderId } };
  }
  const result = await addCheckedLicensedEmails({ actor, emails: parsed.emails, source: 'csv', now: input.now });
  return { ...report, outcome: result.status === 'added' ? { status: 'added', added: result.added } : result };
}
