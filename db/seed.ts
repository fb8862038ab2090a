import { count, sql } from 'drizzle-orm';
import type { Db } from './client';
import { administrators, licensedEmails, organisations, policies, policyChanges, priceTiers } from './schema';
import { hashPassword } from '@/lib/auth/passwords';
import { addDays, addYears, toDay } from '@/lib/licensing/term';
import { createOrganisation } from '@/lib/organisations/create-organisation';

export const DEMO_PASSWORD = 'Sealpost-Demo-2026!';

/** SPEC §5's default price tiers, per license per year. Needed in every database. */
export const DEFAULT_PRICE_TIERS = [
  { minLicenses: 1, maxLicenses: 49, unitPriceCents: 3000 },
  { minLicenses: 50, maxLicenses: 99, unitPriceCents: 2700 },
  { minLicenses: 100, maxLicenses: 249, unitPriceCents: 2400 },
  { minLicenses: 250, maxLicenses: 499, unitPriceCents: 2100 },
  { minLicenses: 500, maxLicenses: null, unitPriceCents: 1800 },
];

export async function ensurePriceTiers(db: Db) {
  await db.insert(priceTiers).values(DEFAULT_PRICE_TIERS).onConflictDoNothing({ target: priceTiers.minLicenses });
}

const FIRST = ['james', 'maria', 'wei', 'fatima', 'olivia', 'liam', 'noah', 'emma', 'ava', 'lucas', 'sofia', 'ethan', 'amara', 'mateo', 'yuki', 'priya'];
const LAST = ['smith', 'garcia', 'chen', 'khan', 'johnson', 'nguyen', 'patel', 'brown', 'müller', 'okafor', 'rossi', 'kim', 'silva', 'cohen'];

function demoAddresses(domain: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const first = FIRST[i % FIRST.length];
    const last = LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length].replace('ü', 'ue');
    const address = `${first}.${last}@${domain}`;
    if (!out.includes(address)) out.push(address);
  }
  return out;
}

export async function isSeeded(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(organisations);
  return (row?.n ?? 0) > 0;
}

/**
 * The demo: "Acme Health" (47 of 47 licenses used, renewal in 25 days) with one administrator
 * per level, and "Globex" to prove isolation. Demo mode only, never a production database.
 */
export async function seedDemo(db: Db, now = new Date()) {
  await ensurePriceTiers(db);
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const renewal = addDays(toDay(now), 25);
  const termStart = addYears(renewal, -1);
  const created = new Date(`${termStart}T09:00:00Z`);

  const acme = await createOrganisation(db, {
    name: 'Acme Health',
    domains: ['acme.example'],
    owner: { name: 'Olivia Bennett', email: 'owner@acme.example', password: DEMO_PASSWORD, passwordHash, mustChangePassword: false },
    licensesPurchased: 47,
    termStart,
    now: created,
  });
  await db.execute(sql`update organisations set address_line1 = '200 Harbor Way', city = 'Boston', region = 'MA', postal_code = '02110', country = 'United States' where id = ${acme.orgId}`);
  await db.insert(administrators).values([
    { orgId: acme.orgId, email: 'manager@acme.example', name: 'Marcus Reed', phone: '+1 617 555 0142', level: 2, passwordHash, createdAt: created },
    { orgId: acme.orgId, email: 'viewer@acme.example', name: 'Vera Lindqvist', phone: '+1 617 555 0199', level: 3, passwordHash, createdAt: created },
  ]);
  await db.execute(sql`update administrators set phone = '+1 617 555 0100', address_line1 = '200 Harbor Way', city = 'Boston', region = 'MA', postal_code = '02110', country = 'United States' where email = 'owner@acme.example'`);
  const addresses = demoAddresses('acme.example', 47);
  await db.insert(licensedEmails).values(
    addresses.map((email, i) => ({ orgId: acme.orgId, email, createdAt: new Date(created.getTime() + i * 3_600_000) })),
  );

  const [securePolicy, smsPolicy, attachmentPolicy] = await db
    .insert(policies)
    .values([
      {
        orgId: acme.orgId,
        name: 'Secure delivery on request',
        position: 1,
        conditionKind: 'subject_contains',
        conditionValue: '[secure]',
        delivery: 'secure_portal',
        expireAfterDays: 30,
        readReceipt: true,
        createdAt: created,
        updatedAt: created,
      },
      {
        orgId: acme.orgId,
        name: 'No TLS, second factor',
        position: 2,
        conditionKind: 'recipient_without_tls',
        delivery: 'sms_two_factor',
        createdAt: created,
        updatedAt: created,
      },
      {
        orgId: acme.orgId,
        name: 'Patient records stay on screen',
        position: 3,
        conditionKind: 'subject_contains',
        conditionValue: '[phi]',
        delivery: 'secure_portal',
        expireAfterDays: 7,
        readReceipt: true,
        restriction: 'no_print',
        enabled: false,
        createdAt: created,
        updatedAt: new Date(now.getTime() - 12 * 86_400_000),
      },
    ])
    .returning({ id: policies.id });
  await db.insert(policyChanges).values([
    { orgId: acme.orgId, policyId: securePolicy.id, changedAt: created, changedBy: 'Sealpost onboarding', summary: 'Policy created: deliver [secure] mail by secure message, expire after 14 days' },
    { orgId: acme.orgId, policyId: smsPolicy.id, changedAt: created, changedBy: 'Sealpost onboarding', summary: 'Policy created: SMS two-factor delivery for recipients without TLS' },
    { orgId: acme.orgId, policyId: securePolicy.id, changedAt: new Date(now.getTime() - 60 * 86_400_000), changedBy: 'Sealpost support (ticket 4471)', summary: 'Expiry changed from 14 to 30 days; read receipt turned on' },
    { orgId: acme.orgId, policyId: attachmentPolicy.id, changedAt: new Date(now.getTime() - 40 * 86_400_000), changedBy: 'Sealpost support (ticket 4519)', summary: 'Policy created: [phi] mail by secure message, no print, expire after 7 days' },
    { orgId: acme.orgId, policyId: attachmentPolicy.id, changedAt: new Date(now.getTime() - 12 * 86_400_000), changedBy: 'Sealpost support (ticket 4602)', summary: 'Policy disabled at the customer\u2019s request' },
  ]);

  const globex = await createOrganisation(db, {
    name: 'Globex',
    domains: ['globex.example'],
    owner: { name: 'Hank Scorpio', email: 'owner@globex.example', password: DEMO_PASSWORD, passwordHash, mustChangePassword: false },
    licensesPurchased: 10,
    termStart: toDay(new Date(now.getTime() - 100 * 86_400_000)),
    now: new Date(now.getTime() - 100 * 86_400_000),
  });
  await db.insert(licensedEmails).values(demoAddresses('globex.example', 6).map((email) => ({ orgId: globex.orgId, email })));
  await db.insert(policies).values({
    orgId: globex.orgId,
    name: 'Everything secure',
    position: 1,
    conditionKind: 'sender_in_group',
    conditionValue: 'Legal',
    delivery: 'secure_portal',
    expireAfterDays: 7,
  });
  return { acmeId: acme.orgId, globexId: globex.orgId };
}
