/**
 * `npm run bench [-- <workload>]`: the SPEC §12 workloads on a dedicated database, with their
 * figures. Uses DATABASE_URL's server when set, otherwise an embedded PostgreSQL.
 * Workloads here: csv-import, inbox, invoice-pdf.
 */
import { closeDb } from '@/db/client';
import { resetEnvCache } from '@/lib/env';
import { stopBoss } from '@/lib/jobs/runtime';
import { csvImportWorkload } from './csv-import';
import { benchDatabase, printTable, type Measurement } from './harness';
import { inboxWorkload } from './inbox';
import { invoicePdfWorkload } from './invoice-pdf';

const only = process.argv[2];
const known = ['csv-import', 'inbox', 'invoice-pdf'];
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
  if (!only || only === 'inbox') {
    console.log('inbox: 100,000 messages for one reader …');
    rows.push(await inboxWorkload());
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
