import 'server-only';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { invoices } from '@/db/schema';
import type { AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { BULK_CAP, type BulkSelection } from '@/lib/lists/bulk-selection';
import { toDay } from '@/lib/licensing/term';
import { parseInvoiceStatus } from './invoice-list';
import { invoicePdfFilename } from './invoice-pdf';

/**
 * "Download PDFs" on /invoices: the selected invoices' PDFs as one zip (`invoice-<number>.pdf`
 * each). Each invoice is checked as its single download is (`billing.view`, the organisation's
 * own only: an id of another organisation is "not found" and nothing is sent); like the single
 * download (app/(admin)/invoices/[id]/pdf/route.ts) it is not an audit event.
 */
export type ZippedInvoice = { id: string; number: string };

export function invoicePdfsZipFilename(now: Date): string {
  return `invoices-${toDay(now)}.zip`;
}

/**
 * The invoices a selection names, newest first: the ticked ids (every one must be the
 * organisation's, or the whole download is refused), or every invoice matching the list's status
 * filter, at most BULK_CAP (`capped` says when there were more).
 */
export async function selectInvoicesForPdfs(db: DbOrTx, actor: AdminActor, selection: BulkSelection): Promise<{ invoices: ZippedInvoice[]; capped: boolean }> {
  if (!can(actor.level, 'billing.view')) throw new AppError('forbidden', 'Your administrator level does not allow this.');
  const columns = { id: invoices.id, number: invoices.number };
  if (selection.mode === 'ids') {
    const ids = [...new Set(selection.ids)];
    const found = await db
      .select(columns)
      .from(invoices)
      .where(and(eq(invoices.orgId, actor.orgId), inArray(invoices.id, ids)))
      .orderBy(desc(invoices.createdAt), desc(invoices.id));
    const missing = ids.length - found.length;
    if (missing > 0) throw new AppError('not_found', missing === 1 && ids.length === 1 ? 'That invoice does not exist.' : `${missing} of the selected invoices do not exist.`);
    return { invoices: found, capped: false };
  }
  const status = parseInvoiceStatus(selection.filters.status);
  const found = await db
    .select(columns)
    .from(invoices)
    .where(and(eq(invoices.orgId, actor.orgId), status ? eq(invoices.status, status) : undefined))
    .orderBy(desc(invoices.createdAt), desc(invoices.id))
    .limit(BULK_CAP + 1);
  if (found.length === 0) throw new AppError('not_found', 'No invoice matches.');
  return { invoices: found.slice(0, BULK_CAP), capped: found.length > BULK_CAP };
}

/**
 * The zip of `list`'s PDFs, streamed: the next PDF is rendered only once the one before has been
 * taken by the reader (each entry is appended as a stream, so the archive's backpressure reaches
 * this loop), so memory holds about one PDF however many invoices there are. `first` is the
 * first invoice's PDF, already rendered (so that a render failing at once can still be answered
 * with an error instead of a broken download). PDFs are compressed already: entries are stored.
 * A render failing later ends the stream with an error (the download is cut short); the reader
 * hanging up stops the renders.
 */
export function zipInvoicePdfs(list: ZippedInvoice[], render: (invoice: ZippedInvoice) => Promise<Buffer>, first?: Buffer): AsyncIterator<Uint8Array> {
  const archive = new ZipArchive({ store: true });
  const stopped = new AbortController();
  archive.once('close', () => stopped.abort());
  void (async () => {
    try {
      for (const [i, invoice] of list.entries()) {
        const pdf = i === 0 && first ? first : await render(invoice);
        if (stopped.signal.aborted) return;
        const added = once(archive, 'entry', { signal: stopped.signal });
        archive.append(Readable.from([pdf]), { name: invoicePdfFilename(invoice.number) });
        await added;
      }
      await archive.finalize();
    } catch (e) {
      if (!stopped.signal.aborted) archive.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  })();
  return archive[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
}
