import { can } from '@/lib/auth/permissions';
import { adminRoute, jsonError, readBodyLimited } from '@/lib/http/route';
import { importLicensedEmails } from '@/lib/licensing/import-licensed-emails';
import { MAX_IMPORT_BYTES } from '@/lib/licensing/import-report';

export const dynamic = 'force-dynamic';

/**
 * POST /licensed-emails/import — a CSV file of addresses (the raw file as the body).
 * `?then=add` (default) adds the good lines when they fit the licenses available;
 * `?then=order&quantity=N` (level 1) creates the order that buys the missing licenses instead.
 * Bad lines are reported with their line numbers; good lines are never lost because of them
 * (lib/licensing/import-licensed-emails.ts).
 */
export const POST = adminRoute(['/licensed-emails/import', 'POST'], async (request, { actor }) => {
  const then = request.nextUrl.searchParams.get('then') ?? 'add';
  if (then !== 'add' && then !== 'order') return jsonError('invalid_input', 'Unknown import step.', 400);
  const quantity = Number(request.nextUrl.searchParams.get('quantity') ?? '0');
  // Refused before the file is read (the use case refuses it too).
  if (then === 'order' && !can(actor.level, 'billing.pay')) return jsonError('forbidden', 'Only level 1 administrators buy licenses.', 403);

  const bytes = await readBodyLimited(request, MAX_IMPORT_BYTES);
  if (!bytes) return jsonError('invalid_input', `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB. Split it into smaller files.`, 413);
  if (bytes.byteLength === 0) return jsonError('invalid_input', 'The file is empty. It needs a first line "Email" and one address per line.', 400);

  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return Response.json(await importLicensedEmails({ actor, text, then, quantity }));
});
