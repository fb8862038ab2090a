import { and, count, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from './client';
import { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { sealMessageContent } from '@/lib/crypto/envelope';
import { administrators, attachments, auditEvents, domains, licensedEmails, mailConnectors, messageEvents, messageRecipients, organisations, policies, policyChanges, policyGroupMembers, policyGroups, portalUsers, priceTiers, recipientAccounts, secureMessages } from './schema';
import { hashToken } from '@/lib/auth/tokens';
import { blobStore, newStorageKey } from '@/lib/storage/storage';
import { hashPassword } from '@/lib/auth/passwords';
import { addDays, addYears, toDay } from '@/lib/licensing/term';
import { createOrganisation } from '@/lib/organisations/create-organisation';
import { indexMessage } from '@/lib/messaging/search-index';
import { seedDeliveryEvents } from './seed-delivery';

export const DEMO_PASSWORD = 'Sealpost-Demo-2026!';

/** The default price tiers, per license per year (1–49 $30, 50–99 $27, 100–249 $24, 250–499 $21, 500+ $18). Needed in every database. */
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
    { orgId: acme.orgId, email: 'manager@acme.example', name: 'Marcus Reed', phone: '+16175550142', level: 2, passwordHash, createdAt: created },
    { orgId: acme.orgId, email: 'viewer@acme.example', name: 'Vera Lindqvist', phone: '+16175550199', level: 3, passwordHash, createdAt: created },
  ]);
  await db.execute(sql`update administrators set phone = '+16175550100', address_line1 = '200 Harbor Way', city = 'Boston', region = 'MA', postal_code = '02110', country = 'United States' where email = 'owner@acme.example'`);
  // alice@acme.example is a licensed address and the demo's internal portal user.
  const addresses = ['alice@acme.example', ...demoAddresses('acme.example', 46)];
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
        // As its history says: changed 60 days ago.
        updatedAt: new Date(now.getTime() - 60 * 86_400_000),
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
        createdAt: new Date(now.getTime() - 40 * 86_400_000),
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

  // A little history, so the audit trail and dashboard read like a product in use.
  const day = 86_400_000;
  const at = (daysAgo: number, hour: number) => new Date(Math.floor(now.getTime() / day) * day - daysAgo * day + hour * 3_600_000);
  const history: { daysAgo: number; hour: number; email: string; action: string; summary: string; ip: string }[] = [
    { daysAgo: 14, hour: 8, email: 'owner@acme.example', action: 'auth.signed_in', summary: 'owner@acme.example signed in', ip: '203.0.113.24' },
    { daysAgo: 14, hour: 8, email: 'owner@acme.example', action: 'administrators.updated', summary: 'owner@acme.example changed Marcus Reed (manager@acme.example): phone', ip: '203.0.113.24' },
    { daysAgo: 9, hour: 13, email: 'manager@acme.example', action: 'auth.sign_in_failed', summary: 'Failed sign-in for manager@acme.example (wrong password)', ip: '198.51.100.61' },
    { daysAgo: 9, hour: 13, email: 'manager@acme.example', action: 'auth.signed_in', summary: 'manager@acme.example signed in', ip: '198.51.100.61' },
    { daysAgo: 9, hour: 14, email: 'manager@acme.example', action: 'licensed_emails.renamed', summary: 'james.smith@acme.example renamed to jim.smith@acme.example', ip: '198.51.100.61' },
    { daysAgo: 9, hour: 14, email: 'manager@acme.example', action: 'licensed_emails.renamed', summary: 'jim.smith@acme.example renamed to james.smith@acme.example', ip: '198.51.100.61' },
    { daysAgo: 6, hour: 10, email: 'viewer@acme.example', action: 'auth.signed_in', summary: 'viewer@acme.example signed in', ip: '192.0.2.140' },
    { daysAgo: 6, hour: 10, email: 'viewer@acme.example', action: 'events.exported', summary: 'Exported 12 events (category: Sign-ins)', ip: '192.0.2.140' },
    { daysAgo: 2, hour: 16, email: 'owner@acme.example', action: 'auth.password_changed', summary: 'owner@acme.example changed their password', ip: '203.0.113.24' },
  ];
  await db.insert(auditEvents).values(
    history.map((h) => ({
      orgId: acme.orgId,
      occurredAt: at(h.daysAgo, h.hour),
      actorType: 'administrator' as const,
      actorEmail: h.email,
      action: h.action,
      summary: h.summary,
      clientAddress: h.ip,
    })),
  );
  // The administrators list shows each one's last sign-in: the same as the history above.
  for (const h of history.filter((e) => e.action === 'auth.signed_in')) {
    await db
      .update(administrators)
      .set({ lastSignInAt: at(h.daysAgo, h.hour) })
      .where(and(eq(administrators.email, h.email), or(isNull(administrators.lastSignInAt), lt(administrators.lastSignInAt, at(h.daysAgo, h.hour)))));
  }

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
  await seedMailFlow(db, { acmeId: acme.orgId, globexId: globex.orgId, acmeAddresses: addresses, created });
  await seedMessages(db, { orgId: acme.orgId, securePolicyId: securePolicy.id, passwordHash, now });
  await seedDeliveryEvents(db, acme.orgId, now);
  return { acmeId: acme.orgId, globexId: globex.orgId };
}

/** The SMTP AUTH user of Acme's demo connector (README); its secret is the demo password. */
export const DEMO_SMTP_USER = 'acme-relay';

/**
 * `npm start` on a demo database seeded before the mail flow existed: Acme's demo connector is
 * added so that the README's example (SMTP AUTH `acme-relay`) works there too. Idempotent: does
 * nothing when the connector is there (or someone deleted Acme) — true also of a fresh seed.
 */
export async function ensureDemoConnector(db: Db): Promise<boolean> {
  const [acme] = await db.select({ orgId: domains.orgId }).from(domains).where(eq(domains.domain, 'acme.example'));
  if (!acme) return false;
  const [owner] = await db.select({ email: administrators.email }).from(administrators).where(and(eq(administrators.orgId, acme.orgId), eq(administrators.email, 'owner@acme.example')));
  const added = await db
    .insert(mailConnectors)
    .values({ orgId: acme.orgId, name: 'Acme Exchange relay', smtpUsername: DEMO_SMTP_USER, secretHash: hashToken(DEMO_PASSWORD), createdBy: owner?.email ?? 'owner@acme.example' })
    .onConflictDoNothing({ target: mailConnectors.smtpUsername })
    .returning({ id: mailConnectors.id });
  return added.length > 0;
}

/**
 * The mail flow demo: Acme's connector (SMTP AUTH `acme-relay` with the demo password, so a
 * newcomer can send through the gateway with any mail client — a generated connector secret is
 * never this guessable), its inbound route (replies from the portal come home; in demo mode they
 * land in the outbox) and the policy groups "sender in group" policies name.
 */
async function seedMailFlow(db: Db, input: { acmeId: string; globexId: string; acmeAddresses: string[]; created: Date }) {
  await db.update(organisations).set({ inboundRouteHost: 'mail.acme.example', inboundRoutePort: 25, inboundRouteTls: 'verified' }).where(eq(organisations.id, input.acmeId));
  await db.insert(mailConnectors).values({
    orgId: input.acmeId,
    name: 'Acme Exchange relay',
    smtpUsername: DEMO_SMTP_USER,
    secretHash: hashToken(DEMO_PASSWORD),
    createdBy: 'owner@acme.example',
    createdAt: input.created,
    updatedAt: input.created,
  });
  const [billing, legal] = await db
    .insert(policyGroups)
    .values([
      { orgId: input.acmeId, name: 'Billing office', createdAt: input.created },
      { orgId: input.globexId, name: 'Legal', createdAt: input.created },
    ])
    .returning({ id: policyGroups.id });
  await db.insert(policyGroupMembers).values([
    ...input.acmeAddresses.slice(1, 4).map((email) => ({ groupId: billing.id, orgId: input.acmeId, email })),
    ...demoAddresses('globex.example', 2).map((email) => ({ groupId: legal.id, orgId: input.globexId, email })),
  ]);
}

const SUBJECTS = [
  'Lab results for review',
  'Updated consent form',
  'Referral: cardiology consult',
  'Invoice query — March statement',
  'Discharge summary',
  'Insurance pre-authorisation',
  'Meeting notes and next steps',
  'Prescription renewal request',
  'Imaging report attached',
  'Care plan changes',
];

/**
 * The portal demo: alice@acme.example (internal) and pat@partner.example (external), both with
 * the demo password, and a few dozen messages between them over 90 days.
 */
async function seedMessages(db: Db, input: { orgId: string; securePolicyId: string; passwordHash: string; now: Date }) {
  const [alice, pat] = await db
    .insert(portalUsers)
    .values([
      { email: 'alice@acme.example', displayName: 'Alice Morgan', passwordHash: input.passwordHash, status: 'active' },
      { email: 'pat@partner.example', displayName: 'Pat Rivera', passwordHash: input.passwordHash, status: 'active' },
    ])
    .returning({ id: portalUsers.id });
  const day = 86_400_000;
  await db.insert(recipientAccounts).values([
    { orgId: input.orgId, email: 'pat@partner.example', firstSentAt: new Date(input.now.getTime() - 90 * day), lastSentAt: new Date(input.now.getTime() - day) },
    { orgId: input.orgId, email: 'dr.lee@cityclinic.example', phone: '+16175550188', firstSentAt: new Date(input.now.getTime() - 70 * day), lastSentAt: new Date(input.now.getTime() - 12 * day) },
    { orgId: input.orgId, email: 'billing@insureco.example', phone: '+442079460321', firstSentAt: new Date(input.now.getTime() - 40 * day), lastSentAt: new Date(input.now.getTime() - 5 * day) },
  ]);
  for (let i = 0; i < 32; i++) {
    const outbound = i % 3 !== 2;
    const sentAt = new Date(input.now.getTime() - (i * 2.8 + 0.3) * day);
    const subject = `${outbound ? '[secure] ' : 'Re: '}${SUBJECTS[i % SUBJECTS.length]}`;
    const restriction = i % 7 === 3 ? 'no_print_no_reply' : i % 7 === 5 ? 'no_print' : 'none';
    const expiresAt = i === 4 ? new Date(input.now.getTime() - 2 * day) : outbound ? new Date(sentAt.getTime() + 30 * day) : null;
    const text = outbound
      ? `Hello Pat,\n\nPlease find the details for "${SUBJECTS[i % SUBJECTS.length]}" below. Reply here if anything is unclear.\n\nBest regards,\nAlice Morgan\nAcme Health`
      : `Hi Alice,\n\nThanks for the update on ${SUBJECTS[i % SUBJECTS.length].toLowerCase()}. I have reviewed it and have no further questions.\n\nPat`;
    const html = text
      .split('\n\n')
      .map((p) => `<p>${p.replace(/\n/g, '<br>')}</p>`)
      .join('');
    // Sealed as every message is (lib/crypto/envelope.ts); the attachment below is stored plain, as
    // before encryption at rest, and sealed by the migration the start runs in the background.
    const id = randomUUID();
    const [message] = await db
      .insert(secureMessages)
      .values({
        id,
        orgId: input.orgId,
        senderId: outbound ? alice.id : pat.id,
        direction: outbound ? 'outbound' : 'inbound',
        ...(await sealMessageContent({ id, orgId: input.orgId }, { subject, bodyHtml: html, bodyText: text }, db)),
        sentAt,
        expiresAt,
        restriction,
        readReceipt: outbound && i % 2 === 0,
        policyId: outbound ? input.securePolicyId : null,
      })
      .returning({ id: secureMessages.id });
    if (i === 1) {
      // One message with an attachment, stored like an upload.
      const content = Buffer.from(
        'Acme Health — lab results summary\n\nPatient reference: DEMO-0001\nPanel: complete blood count\nResult: within normal ranges\n',
        'utf8',
      );
      const storageKey = newStorageKey();
      const stored = await blobStore().put(storageKey, Readable.from([content]), { maxBytes: 1024 * 1024 });
      await db.insert(attachments).values({
        messageId: message.id,
        uploadedBy: alice.id,
        fileName: 'lab-results-summary.txt',
        contentType: 'text/plain',
        sizeBytes: stored.size,
        sha256: stored.sha256,
        storageKey,
      });
    }
    const read = i > 3;
    await db.insert(messageRecipients).values({ messageId: message.id, userId: outbound ? pat.id : alice.id, kind: 'to', sentAt, readAt: read ? new Date(sentAt.getTime() + 3_600_000) : null });
    await indexMessage(db, { messageId: message.id, orgId: input.orgId, subject, bodyText: text, partyIds: [alice.id, pat.id] });
    await db.insert(messageEvents).values([
      { messageId: message.id, orgId: input.orgId, kind: 'sent', actor: outbound ? 'alice@acme.example' : 'pat@partner.example', occurredAt: sentAt },
      { messageId: message.id, orgId: input.orgId, kind: 'notified', actor: outbound ? 'pat@partner.example' : 'alice@acme.example', occurredAt: sentAt },
      ...(read ? [{ messageId: message.id, orgId: input.orgId, kind: 'opened' as const, actor: outbound ? 'pat@partner.example' : 'alice@acme.example', occurredAt: new Date(sentAt.getTime() + 3_600_000) }] : []),
    ]);
  }
}
