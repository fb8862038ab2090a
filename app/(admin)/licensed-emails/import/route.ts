import type { NextRequest } from 'next/server';
import { getDb } from '@/db/client';
import { createLicenseOrder } from '@/lib/billing/create-order';
import { can } from '@/lib/auth/permissions';
import { authorizeRoute, errorResponse, jsonError, readBodyLimited } from '@/lib/http/route';
import { addLicensedEmails } from '@/lib/licensing/add-licensed-emails';
import { MAX_IMPORT_BYTES, type ImportReport } from '@/lib/licensing/import-report';
import { validateCsv } from '@/lib/licensing/validate-addresses';

export const dynamic = 'force-dynamic';

/**
 * POST /licensed-emails/import — a CSV file of addresses (the raw file as the body).
 * `?then=add` (default) adds the good lines when they fit the licenses available;
 * `?then=order&quantity=N` (level 1) creates the order that buys the missing licenses instead.
 * Bad lines are reported with their line numbers; good lines are never lost because of them.
 */
export async function POST(request: NextRequest) {
  const admin = await authorizeRoute('licensed_emails.manage');
  if (admin instanceof Response) return admin;
  const then = request.nextUrl.searchParams.get('then') ?? 'add';
  if (then !== 'add' && then !== 'order') return jsonError('invalid_input', 'Unknown import step.', 400);
  const quantity = Number(request.nextUrl.searchParams.get('quantity') ?? '0');
  if (then === 'order' && !can(admin.level, 'billing.pay')) {
    return jsonError('forbidden', 'Only level 1 administrators buy licenses.', 403);
  }

  const bytes = await readBodyLimited(request, MAX_IMPORT_BYTES);
  if (!bytes) return jsonError('invalid_input', `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Split it into smaller files.`, 413);
  if (bytes.byteLength === 0) return jsonError('invalid_input', 'The file is empty. It needs a first line "Email" and one address per line.', 400);

  try {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    const parsed = await validateCsv(getDb(), admin.orgId, text);
    const report: Omit<ImportReport, 'outcome'> = {
      totalLines: parsed.totalLines,
      valid: parsed.emails.length,
      problemCount: parsed.problemCount,
      problems: parsed.problems,
    };
    if (parsed.emails.length === 0) return Response.json({ ...report, outcome: { status: 'nothing_to_add' } } satisfies ImportReport);
    if (then === 'order') {
      const { orderId } = await createLicenseOrder({ actor: admin, quantity, pendingEmails: parsed.emails });
      return Response.json({ ...report, outcome: { status: 'ordered', orderId } } satisfies ImportReport);
    }
    const result = await addLicensedEmails({ actor: admin, emails: parsed.emails, source: 'csv' });
    const outcome = result.status === 'added' ? { status: 'added' as const, added: result.added } : result;
    return Response.json({ ...report, outcome } satisfies ImportReport);
  } catch (e) {
    return errorResponse(e, 'licensed-emails/import');
  }
}
