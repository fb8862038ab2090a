import { sql } from 'drizzle-orm';
import { getDb } from '@/db/client';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import { listRecipients } from '@/lib/recipients/recipients';
import { timed, type Measurement } from './harness';

const SIZE = 1_000_000;

/** Recipient search-as-you-type over 1,000,000 accounts, p95 under 50 ms. */
export async function recipientSearchWorkload(): Promise<Measurement> {
  const db = getDb();
  const { orgId } = await createOrganisation(db, {
    name: 'Bench Recipients',
    domains: ['recipients-bench.example'],
    owner: { name: 'Owner', email: 'owner@recipients-bench.example', password: 'Bench-Passphrase-2026', mustChangePassword: false },
  });
  const domains = ['partner.example', 'clinic.example', 'insureco.example', 'lawfirm.example', 'bank.example', 'school.example', 'city.example', 'supplier.example'];
  await db.execute(sql`
    insert into recipient_accounts (org_id, email, phone)
    select ${orgId}::uuid,
           'user' || g || '.' || substr(md5(g::text), 1, 6) || '@' || (${sql.param(domains)}::text[])[1 + g % 8],
           case when g % 5 = 0 then '+1617555' || lpad((g % 10000)::text, 4, '0') end
    from generate_series(1, ${SIZE}) g`);
  await db.execute(sql`analyze recipient_accounts`);
  // What a person types, a few characters at a time, anywhere in the address.
  const typed = ['cli', 'clinic', 'user4242', 'a1b', 'insureco.ex', '99.', 'bank', 'lawf', 'user7', '5e2'];
  for (const q of typed) await listRecipients(db, orgId, { search: q, limit: 25 });
  const samples: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const q of typed) samples.push((await timed(() => listRecipients(db, orgId, { search: q, limit: 25 }))).ms);
  }
  return {
    workload: 'recipient-search',
    size: '1,000,000 accounts',
    samples,
    unit: 'ms',
    bar: 'p95 < 50 ms',
    met: (p95) => p95 < 50,
    note: 'ILIKE %typed% first page of 25, trigram index, 10 inputs × 10',
  };
}
