import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { actorFor, createTestOrg } from '@/tests/factories';
import { refusal } from '@/tests/refusal';
import { unzip } from '@/tests/unzip';
import { confirmCheckOrder } from './complete-order';
import { createLicenseOrder } from './create-order';
import { selectInvoicesForPdfs, zipInvoicePdfs, type ZippedInvoice } from './invoice-pdfs-zip';

/** An organisation with two check invoices (two license orders confirmed). */
async function orgWithInvoices() {
  const org = await createTestOrg({ licenses: 5, licensed: 0 });
  const owner = await actorFor(org.ownerId);
  const ids: string[] = [];
  for (const quantity of [1, 2]) {
    const { orderId } = await createLicenseOrder({ actor: owner, quantity });
    ids.push((await confirmCheckOrder({ actor: owner, orderId })).invoiceId);
  }
  return { org, owner, ids };
}

async function readAll(chunks: AsyncIterator<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const next = await chunks.next();
    if (next.done) return Buffer.concat(parts);
    parts.push(next.value);
  }
}

describe('invoice PDFs as one zip', () => {
  it("selects the organisation's own invoices only: another organisation's id refuses the whole download", async () => {
    const { org, owner, ids } = await orgWithInvoices();
    const { invoices } = await selectInvoicesForPdfs(getDb(), owner, { mode: 'ids', ids });
    expect(invoices.map((i) => i.id).sort()).toEqual([...ids].sort());

    const other = await createTestOrg();
    const stranger = await actorFor(other.ownerId);
    expect(await refusal(selectInvoicesForPdfs(getDb(), stranger, { mode: 'ids', ids }))).toMatchObject({ code: 'not_found', message: '2 of the selected invoices do not exist.' });
    expect(await refusal(selectInvoicesForPdfs(getDb(), stranger, { mode: 'ids', ids: [ids[0]] }))).toMatchObject({ code: 'not_found', message: 'That invoice does not exist.' });
    // One foreign id among the organisation's own is refused too, not silently left out.
    const { ids: foreign } = await orgWithInvoices();
    expect(await refusal(selectInvoicesForPdfs(getDb(), owner, { mode: 'ids', ids: [ids[0], foreign[0]] }))).toMatchObject({ code: 'not_found' });
    // "All matching" is the organisation's invoices under the list's status filter.
    const open = await selectInvoicesForPdfs(getDb(), owner, { mode: 'matching', q: '', filters: { status: 'open' } });
    expect(open.invoices).toHaveLength(2);
    expect(open.capped).toBe(false);
    expect(await refusal(selectInvoicesForPdfs(getDb(), owner, { mode: 'matching', q: '', filters: { status: 'paid' } }))).toMatchObject({ code: 'not_found' });
    expect(org.orgId).toBeTruthy();
  });

  it('streams: the next PDF is made only when the reader has taken the one before; the zip holds invoice-<number>.pdf each', async () => {
    const list: ZippedInvoice[] = Array.from({ length: 12 }, (_, i) => ({ id: `id-${i}`, number: String(1000 + i) }));
    const rendered: string[] = [];
    const size = 4 * 1024 * 1024;
    const render = async (invoice: ZippedInvoice) => {
      rendered.push(invoice.number);
      return Buffer.alloc(size, `%PDF invoice ${invoice.number} `);
    };
    const chunks = zipInvoicePdfs(list, render);
    await sleep(300);
    // Nothing read yet: a couple of PDFs at most are waiting in the archive's buffers, not all twelve.
    expect(rendered.length).toBeLessThanOrEqual(3);
    const entries = await unzip(await readAll(chunks));
    expect(rendered).toHaveLength(12);
    expect(entries.map((e) => e.name)).toEqual(list.map((i) => `invoice-${i.number}.pdf`));
    for (const [i, entry] of entries.entries()) {
      expect(entry.content.length).toBe(size);
      expect(entry.content.subarray(0, 20).toString()).toBe(`%PDF invoice ${list[i].number} `.repeat(2).slice(0, 20));
    }
  });

  it('stops making PDFs when the reader hangs up, and a failed render ends the stream with an error', async () => {
    const list: ZippedInvoice[] = Array.from({ length: 12 }, (_, i) => ({ id: `id-${i}`, number: String(2000 + i) }));
    const rendered: string[] = [];
    const chunks = zipInvoicePdfs(list, async (invoice) => {
      rendered.push(invoice.number);
      return Buffer.alloc(4 * 1024 * 1024, 1);
    });
    await chunks.next();
    await chunks.return?.();
    await sleep(300);
    expect(rendered.length).toBeLessThanOrEqual(3);

    const failing = zipInvoicePdfs(list, async (invoice) => {
      if (invoice.number === '2001') throw new Error('Chromium went away');
      return Buffer.from('%PDF-1.7');
    });
    await expect(readAll(failing)).rejects.toThrow('Chromium went away');
  });
});
