import { sql } from 'drizzle-orm';
import { POST as postDeliveryEvents } from '@/app/api/delivery-events/route';
import { getDb } from '@/db/client';
import { classifyBounce } from '@/lib/delivery/classify-bounce';
import { createApiKey } from '@/lib/delivery/api-keys';
import { BOUNCE_CORPUS } from '@/lib/delivery/fixtures/bounce-corpus';
import * as F from '@/lib/delivery/fixtures/raw-bounces';
import { readBounce } from '@/lib/delivery/read-bounce';
import { getAdministratorSession } from '@/lib/administrators/queries';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import { timed, type Measurement } from './harness';

const CLASSIFY = 100_000;
const PARSE = 10_000;
const INGEST = 10_000;
const CONCURRENCY = 16;

function pct(n: number, of: number): string {
  return `${((100 * n) / of).toFixed(1)}%`;
}

/** The raw formats the parser reads, each with a different recipient per use so suppression rows differ. */
function rawBounce(i: number): string {
  const formats = [
    () => F.rfc3464Bounce({ recipients: [{ address: `user${i}@example.net`, status: '5.1.1', diagnostic: `smtp; 550 5.1.1 <user${i}@example.net>: Recipient address rejected: User unknown` }] }),
    () => F.rfc3464Bounce({ recipients: [{ address: `user${i}@example.net`, status: '5.2.2', diagnostic: 'smtp; 552 5.2.2 Mailbox full' }] }),
    () => F.POSTFIX_TEXT.replace(/bob@example\.org/g, `bob${i}@example.org`).replace(/carl@example\.org/g, `carl${i}@example.org`),
    () => F.QMAIL_TEXT.replace(/dora@example\.com/g, `dora${i}@example.com`),
    () => F.EXIM_TEXT.replace(/fay@example\.com/g, `fay${i}@example.com`),
    () => F.GMAIL_TEXT.replace(/kim@example\.com/g, `kim${i}@example.com`),
    () => F.ARF_REPORT.replace(/mona@example\.com/g, `mona${i}@example.com`),
    () => F.EXCHANGE_TEXT.replace(/jana@example\.com/g, `jana${i}@example.com`),
  ];
  return formats[i % formats.length]();
}

/**
 * The `bounces` workload: the classifier over the labelled corpus repeated to 100,000 messages
 * (bar: 2,000 per second) with its agreement with the labels; the bounce reader over 10,000 raw
 * messages; and 10,000 raw bounces ingested through the POST /api/delivery-events handler
 * (key check, body read, MIME parse, classification, events and suppressions stored), 16 at a
 * time (bar: 500 per second).
 */
export async function bouncesWorkload(): Promise<Measurement[]> {
  const rows: Measurement[] = [];

  // Agreement with the labels, once over the corpus.
  let reasonOk = 0;
  let classOk = 0;
  for (const c of BOUNCE_CORPUS) {
    const got = classifyBounce({ smtpCode: c.smtpCode, enhancedCode: c.enhancedCode, action: c.action, diagnostic: c.diagnostic });
    if (got.reason === c.reason) reasonOk++;
    if (got.class === c.class) classOk++;
  }
  const agreement = `corpus of ${BOUNCE_CORPUS.length}: reason ${pct(reasonOk, BOUNCE_CORPUS.length)}, hard/soft ${pct(classOk, BOUNCE_CORPUS.length)}`;
  console.log(`  agreement with the labelled ${agreement}`);

  const batch = 1000;
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  for (let done = 0; done < CLASSIFY; done += batch) {
    const t = process.hrtime.bigint();
    for (let i = done; i < done + batch; i++) {
      const c = BOUNCE_CORPUS[i % BOUNCE_CORPUS.length];
      classifyBounce({ smtpCode: c.smtpCode, enhancedCode: c.enhancedCode, action: c.action, diagnostic: c.diagnostic });
    }
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const classifyRate = CLASSIFY / (Number(process.hrtime.bigint() - start) / 1e9);
  rows.push({
    workload: 'bounces: classify',
    size: `${CLASSIFY.toLocaleString('en-US')} messages`,
    samples,
    unit: 'ms',
    throughput: classifyRate,
    bar: '≥ 2,000 msg/s',
    met: () => classifyRate >= 2000,
    note: `per 1,000 messages; ${agreement}`,
  });

  const raws = Array.from({ length: 64 }, (_, i) => Buffer.from(rawBounce(i)));
  const parseSamples: number[] = [];
  const parse = await timed(async () => {
    for (let i = 0; i < PARSE; i++) {
      const t = process.hrtime.bigint();
      await readBounce(raws[i % raws.length]);
      parseSamples.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  });
  const parseRate = PARSE / (parse.ms / 1000);
  rows.push({ workload: 'bounces: read raw', size: `${PARSE.toLocaleString('en-US')} messages`, samples: parseSamples, unit: 'ms', throughput: parseRate, bar: '(no bar)', met: () => true, note: 'MIME parse + bounce reading + classification, in process' });

  const db = getDb();
  const domain = 'bounces-bench.example';
  const { orgId, ownerId } = await createOrganisation(db, {
    name: 'Bench Bounces',
    domains: [domain],
    owner: { name: 'Owner', email: `owner@${domain}`, password: 'Bench-Passphrase-2026', mustChangePassword: false },
  });
  const session = await getAdministratorSession(db, ownerId);
  if (!session) throw new Error('bench owner has no session');
  const { key } = await createApiKey({ actor: { ...session, clientAddress: '127.0.0.1' }, name: 'bench' });
  const bodies = Array.from({ length: INGEST }, (_, i) => rawBounce(i));
  const ingestSamples: number[] = [];
  let failures = 0;
  let next = 0;
  const ingest = await timed(() =>
    Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < INGEST; i = next++) {
          const t = process.hrtime.bigint();
          const response = await postDeliveryEvents(
            new Request('http://bench.test/api/delivery-events', { method: 'POST', headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${key}` }, body: bodies[i] }),
          );
          if (response.status !== 202) failures++;
          await response.arrayBuffer();
          ingestSamples.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
      }),
    ),
  );
  const ingestRate = INGEST / (ingest.ms / 1000);
  const stored = await db.execute<{ events: number; suppressed: number }>(
    // Counted after the run: every bounce became events, hard ones and complaints suppressions.
    sql`select (select count(*)::int from delivery_events where org_id = ${orgId}) as events, (select count(*)::int from suppressions where org_id = ${orgId}) as suppressed`,
  );
  const [counts] = Array.from(stored);
  rows.push({
    workload: 'bounces: ingest raw via API',
    size: `${INGEST.toLocaleString('en-US')} bounces`,
    samples: ingestSamples,
    unit: 'ms',
    throughput: ingestRate,
    bar: '≥ 500 bounces/s',
    met: () => ingestRate >= 500 && failures === 0,
    note: `route handler in process, ${CONCURRENCY} at a time; ${counts?.events ?? 0} events, ${counts?.suppressed ?? 0} suppressions stored; ${failures} not 202`,
  });
  return rows;
}
