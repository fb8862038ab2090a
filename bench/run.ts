/**
 * `npm run bench [-- <workload>]`: the SPEC §12 workloads on a dedicated database, with their
 * figures. Uses DATABASE_URL's server when set, otherwise an embedded PostgreSQL.
 * Workloads here: csv-import, inbox, invoice-pdf, delivery-search.
 */
import { closeDb } from '@/db/client';
import { resetEnvCache } from '@/lib/env';
import { stopBoss } from '@/lib/jobs/runtime';
import { csvImportWorkload } from './csv-import';
import { deliverySearchWorkload } from './delivery-search';
import { benchDatabase, printTable, type Measurement } from './harness';
import { inboxWorkload } from './inbox';
import { recipientSearchWorkload } from './recipient-search';
import { invoicePdfWorkload } from './invoice-pdf';

const only = process.argv[2];
const known = ['csv-import', 'inbox', 'invoice-pdf', 'delivery-search', 'recipient-search'];
if (only && !known.includes(only)) {
  console.error(`Unknown workload "${only}". Known: ${known.join(', ')}`);
  process.exit(2);
}

const database = await benchDatabase();
process.env.DATABASE_URL = database.url;
process.env.JOBS_WORKERS = '0';
resetEnvCache();
const rows: Measurement[] = [];
try {
  if (!only || only === 'csv-import') {
    console.log('csv-import: importing 100,000 addresses (3 runs) …');
    rows.push(await csvImportWorkload());
  }
  if (!only || only === 'recipient-search') {
    console.log('recipient-search: 1,000,000 recipient accounts …');
    rows.push(await recipientSearchWorkload());
  }
  if (!only || only === 'inbox') {
    console.log('inbox: 100,000 messages for one reader …');
    rows.push(await inboxWorkload());
  }
  if (!only || only === 'delivery-search') {
    console.log('delivery-search: 2,000,000 delivery events, boolean queries over 30 days …');
    rows.push(...(await deliverySearchWorkload()));
  }
  if (!only || only === 'invoice-pdf') {
    console.log('invoice-pdf: starting the app and rendering invoices …');
    rows.push(...(await invoicePdfWorkload(database.url)));
  }
  printTable(rows);
} finally {
  await stopBoss();
  await closeDb();
  await database.cleanup();
}
