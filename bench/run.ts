/**
 * `npm run bench [-- <workload>]`: the workloads of README "Performance" on a dedicated database, with their
 * figures. Uses DATABASE_URL's server when set, otherwise an embedded PostgreSQL.
 * Workloads here: csv-import, recipient-search, inbox, portal-search, delivery-search (in process), and
 * invoice-pdf, list-page, overload, export (over HTTP, against one `next start` of the app), and
 * bounces (classifier, bounce reader and raw-bounce ingest through the API handler, in process),
 * and smtp (Postfix's smtp-source through the SMTP gateway to smtp-sink, in processes of their own), and
 * attachment (a 50 MB upload and download, sealed and plain) and rotation (rewrapping data keys), in process.
 */
import { randomBytes } from 'node:crypto';
import { closeDb } from '@/db/client';
import { createScratchDatabase } from '@/lib/db-admin';
import { resetEnvCache } from '@/lib/env';
import { stopBoss } from '@/lib/jobs/runtime';
import { bouncesWorkload } from './bounces';
import { csvImportWorkload } from './csv-import';
import { deliverySearchWorkload } from './delivery-search';
import { attachmentHttpWorkload, attachmentWorkload, rotationWorkload } from './encryption';
import { BENCH_SECRET, startApp } from './app-server';
import { exportWorkload } from './export';
import { benchDatabase, printTable, type Measurement } from './harness';
import { inboxWorkload } from './inbox';
import { portalSearchWorkload } from './portal-search';
import { recipientSearchWorkload } from './recipient-search';
import { smtpWorkload } from './smtp';
import { invoicePdfWorkload } from './invoice-pdf';
import { listPageBeforeAndAfter, listPageWorkload, overloadWorkload, prepareListPage } from './list-page';

const only = process.argv[2];
const known = ['csv-import', 'inbox', 'portal-search', 'invoice-pdf', 'delivery-search', 'recipient-search', 'list-page', 'overload', 'export', 'bounces', 'smtp', 'attachment', 'attachment-http', 'rotation'];
const overHttp = ['invoice-pdf', 'list-page', 'overload', 'export'];
if (only && !known.includes(only)) {
  console.error(`Unknown workload "${only}". Known: ${known.join(', ')}`);
  process.exit(2);
}

const database = await benchDatabase();
// A harness setting up the environment of the code it measures (then re-read through lib/env.ts).
process.env.DATABASE_URL = database.url;
process.env.JOBS_WORKERS = '0';
// Messages are sealed, and indexed, under keys derived from the master key: a throwaway one for the bench's own database.
if (!process.env.SEALPOST_MASTER_KEY && !process.env.KMS_KEY_ID) process.env.SEALPOST_MASTER_KEY = randomBytes(32).toString('base64');
// Draft ids (attachment uploads) are signed with AUTH_SECRET, as in the app.
if (!process.env.AUTH_SECRET) process.env.AUTH_SECRET = randomBytes(32).toString('base64');
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
  if (!only || only === 'portal-search') {
    console.log('portal-search: 100,000 messages for one reader, subject, body and people …');
    rows.push(...(await portalSearchWorkload()));
  }
  if (!only || only === 'delivery-search') {
    console.log('delivery-search: 2,000,000 delivery events, boolean queries over 30 days …');
    rows.push(...(await deliverySearchWorkload()));
  }
  if (!only || only === 'bounces') {
    console.log('bounces: classify 100,000 bounces, read 10,000 raw ones, ingest 10,000 through the API …');
    rows.push(...(await bouncesWorkload()));
  }
  if (!only || only === 'attachment') {
    console.log('attachment: a 50 MB upload and download, sealed (today) and plain (before #19), alternating …');
    rows.push(...(await attachmentWorkload()));
  }
  if (!only || only === 'attachment-http') {
    console.log(`attachment-http: a 50 MB upload and download over HTTP${process.env.BENCH_BEFORE_DIR ? `, alternating with ${process.env.BENCH_BEFORE_DIR}` : ''} …`);
    // Bare databases: each app migrates its own at start (the one before has an older schema).
    // Draft ids are signed with the apps' secret: the same here.
    process.env.AUTH_SECRET = BENCH_SECRET;
    resetEnvCache();
    rows.push(...(await attachmentHttpWorkload(async () => (await createScratchDatabase('bench', process.env.DATABASE_URL)).url, process.env.BENCH_BEFORE_DIR)));
  }
  if (!only || only === 'rotation') {
    console.log('rotation: rewrapping 100,000 data keys under a new key-encryption key …');
    rows.push(await rotationWorkload());
  }
  if (!only || only === 'smtp') {
    console.log('smtp: smtp-source through the gateway to smtp-sink …');
    rows.push(...(await smtpWorkload(database.url)));
  }
  if (!only || overHttp.includes(only)) {
    console.log('starting the app (next start; builds first if the build is stale) …');
    const app = await startApp(database.url);
    try {
      if (!only || only === 'invoice-pdf') {
        console.log('invoice-pdf: rendering invoices …');
        rows.push(...(await invoicePdfWorkload(app)));
      }
      if (!only || only === 'list-page' || only === 'overload') {
        console.log('list-page: 10,000 licensed addresses, 20 concurrent clients …');
        const target = await prepareListPage(app);
        const beforeDir = process.env.BENCH_BEFORE_DIR;
        if (only === 'list-page' && beforeDir) {
          // Before and after side by side: this build and another checkout's (bench/list-page.ts).
          console.log(`list-page: this build and ${beforeDir}'s, alternating …`);
          rows.push(...(await listPageBeforeAndAfter(app, target, database.url, beforeDir)));
        } else {
          const { row, capacity } = await listPageWorkload(app, target);
          rows.push(row);
          if (!only || only === 'overload') {
            console.log(`overload: ${Math.round(2 * capacity)} req/s (twice the measured capacity) for 30 s …`);
            rows.push(await overloadWorkload(app, target, capacity));
          }
        }
      }
      if (!only || only === 'export') {
        console.log('export: 1,000,000 events and 1,000,000 licensed addresses over HTTP …');
        rows.push(...(await exportWorkload(app)));
      }
    } finally {
      await app.stop();
    }
  }
  printTable(rows);
} finally {
  await stopBoss();
  await closeDb();
  await database.cleanup();
}
