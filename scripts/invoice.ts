/**
 * For operators: record a check payment, or void an invoice (audited).
 *   DATABASE_URL=… npm run invoice -- paid 261122000001 --operator "Jane (finance)"
 *   DATABASE_URL=… npm run invoice -- void 261122000001 --operator "Jane (finance)"
 */
import { parseArgs } from 'node:util';
import { closeDb } from '@/db/client';
import { settleInvoice } from '@/lib/billing/settle-invoice';
import { isAppError } from '@/lib/errors/app-error';
import { formatCents } from '@/lib/format';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { operator: { type: 'string', default: 'operator' } } });
const [to, number] = positionals;
if ((to !== 'paid' && to !== 'void') || !number) {
  console.error('Usage: npm run invoice -- paid|void INVOICE_NUMBER [--operator NAME]');
  process.exit(2);
}
try {
  const invoice = await settleInvoice({ number, to, operator: values.operator ?? 'operator' });
  console.log(`Invoice ${invoice.number} (${formatCents(invoice.totalCents)}) is now ${to}.`);
} catch (error) {
  console.error(isAppError(error) ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeDb();
}
