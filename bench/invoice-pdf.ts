import { encode } from 'next-auth/jwt';
import { getDb } from '@/db/client';
import { getAdministratorSession } from '@/lib/administrators/queries';
import { confirmCheckOrder } from '@/lib/billing/complete-order';
import { createLicenseOrder } from '@/lib/billing/create-order';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import { BENCH_SECRET, type BenchApp } from './app-server';
import { percentile, timed, type Measurement } from './harness';

/** Invoice PDF with a warm browser, p95 under 500 ms — through the real route and print page. */
export async function invoicePdfWorkload(app: BenchApp): Promise<Measurement[]> {
  const domain = `pdf${Date.now().toString(36)}.example`;
  const { ownerId } = await createOrganisation(getDb(), {
    name: 'Bench PDF',
    domains: [domain],
    owner: { name: 'Bench Owner', email: `owner@${domain}`, password: 'Bench-Passphrase-2026', mustChangePassword: false },
    licensesPurchased: 10,
  });
  const session = await getAdministratorSession(getDb(), ownerId);
  if (!session) throw new Error('no owner');
  const actor = { ...session, clientAddress: '127.0.0.1' };
  const { orderId } = await createLicenseOrder({ actor, quantity: 5, pendingEmails: [`a@${domain}`, `b@${domain}`], poNumber: 'PO-BENCH' });
  const { invoiceId } = await confirmCheckOrder({ actor, orderId });
  const token = await encode({
    token: { sub: session.id, kind: 'administrator', sv: session.sessionVersion, sia: Math.floor(Date.now() / 1000) },
    secret: BENCH_SECRET,
    salt: 'authjs.session-token',
  });

  const { base } = app;
  const get = async () => {
    const response = await fetch(`${base}/invoices/${invoiceId}/pdf`, { headers: { cookie: `authjs.session-token=${token}` } });
    const body = await response.arrayBuffer();
    if (!response.ok || body.byteLength < 1000) throw new Error(`PDF request failed: ${response.status}`);
  };
  // Warm the browser, the page pool and the route of every worker (concurrent requests open
  // connections that the cluster hands to each worker in turn).
  for (let i = 0; i < 5; i++) await Promise.all(Array.from({ length: app.workers }, () => get()));
  const sequential: number[] = [];
  for (let i = 0; i < 40; i++) sequential.push((await timed(get)).ms);
  const concurrent: number[] = [];
  for (let round = 0; round < 5; round++) {
    const results = await Promise.all(Array.from({ length: 4 }, () => timed(get)));
    concurrent.push(...results.map((r) => r.ms));
  }
  return [
    {
      workload: 'invoice-pdf',
      size: '40 sequential',
      samples: sequential,
      unit: 'ms',
      bar: 'p95 < 500 ms',
      met: (p95) => p95 < 500,
      note: 'GET /invoices/[id]/pdf on next start, warm browser',
    },
    {
      workload: 'invoice-pdf (4 at once)',
      size: '20 requests',
      samples: concurrent,
      unit: 'ms',
      bar: 'no crash',
      met: () => concurrent.length === 20,
      note: `p95 ${percentile(concurrent, 95).toFixed(0)} ms under concurrency`,
    },
  ];
}
