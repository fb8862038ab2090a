import { getDb } from '@/db/client';
import { auditActorOf } from '@/lib/auth/actor';
import { recordAuditEvent } from '@/lib/audit/record';
import { CSV_BOM, csvRow } from '@/lib/csv/csv';
import { describeBounce } from '@/lib/delivery/describe-bounce';
import { formatQuery } from '@/lib/delivery/query-language';
import { countDeliveryEvents, formatDeliveryCount, streamDeliveryEvents, type DeliveryEventRow } from '@/lib/delivery/search';
import { ROUTE_LABELS } from '@/lib/delivery/routes';
import { parseDeliverySearchParams } from '@/lib/delivery/search-params';
import { adminRoute, jsonError, streamedDownload } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

const HEADER = [
  'Time (UTC)',
  'Message ID',
  'Sender',
  'Recipient',
  'Event',
  'Method',
  'Route',
  'TLS version',
  'Certificate verified',
  'Remote server',
  'SMTP code',
  'Enhanced code',
  'Bounce class',
  'Class given by the sender',
  'Reason',
  'What happened',
  'Will it be retried?',
  'Diagnostic',
  'Source',
] as const;

function rowsCsv(rows: DeliveryEventRow[]): string {
  let text = '';
  for (const row of rows) {
    const described = describeBounce(row);
    text += csvRow([
      row.occurredAt.toISOString(),
      row.messageId,
      row.sender,
      row.recipient,
      row.event,
      row.method,
      row.route ? ROUTE_LABELS[row.route] : '',
      row.tlsVersion,
      row.tlsVerified === null ? '' : row.tlsVerified ? 'yes' : 'no',
      row.remoteServer,
      row.smtpCode,
      row.enhancedCode,
      described.bounceClass ?? row.bounceClass,
      row.reportedClass,
      described.reasonLabel,
      described.happened,
      described.retry,
      row.diagnostic,
      row.source,
    ]);
  }
  return text;
}

/** GET /delivery-events/export?from=&to=&q=&sort=&dir= — the search as formula-safe CSV, all pages. */
export const GET = adminRoute(['/delivery-events/export', 'GET'], async (request, { actor: admin }) => {
  const { params, errors } = parseDeliverySearchParams(request.nextUrl.searchParams);
  if (params.queryError) {
    return jsonError('invalid_input', `The search query could not be read: ${params.queryError.message} (at character ${params.queryError.position + 1}).`, 400);
  }
  const blocking = errors.filter((e) => e.field !== 'after');
  if (blocking.length > 0) return jsonError('invalid_input', blocking.map((e) => e.message).join(' '), 400);
  const now = new Date();
  const filename = `delivery-events-${now.toISOString().slice(0, 10)}.csv`;
  const search = { from: params.from, to: params.to, query: params.query, route: params.route, sort: params.sort, dir: params.dir };
  const db = getDb();
  const batches = streamDeliveryEvents(db, admin.orgId, search);
  const [first, total] = await Promise.all([batches.next(), countDeliveryEvents(db, admin.orgId, search)]);
  const described = `${params.from} – ${params.to}${params.query ? `, query: ${formatQuery(params.query)}` : ''}${params.route ? `, route: ${ROUTE_LABELS[params.route]}` : ''}`;
  await recordAuditEvent(db, {
    orgId: admin.orgId,
    actor: auditActorOf(admin),
    action: 'delivery_events.exported',
    summary: `Exported ${formatDeliveryCount(total)} (${described})`,
    target: { type: 'export', id: filename, label: filename },
    clientAddress: admin.clientAddress,
    metadata: { from: params.from, to: params.to, q: params.q, route: params.route ?? null, sort: params.sort, dir: params.dir, rows: total.count, capped: total.capped },
    now,
  });
  const chunks = (async function* () {
    yield CSV_BOM + csvRow(HEADER);
    if (first.done) return;
    yield rowsCsv(first.value);
    for await (const rows of batches) yield rowsCsv(rows);
  })();
  return streamedDownload(chunks, { filename, contentType: 'text/csv; charset=utf-8', where: 'delivery-events/export' });
});
