import 'server-only';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx, type Tx } from '@/db/client';
import { dkimKeys, domains } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { AppError } from '@/lib/errors/app-error';
import { dkimDnsRecord, generateDkimKeyPair, newDkimSelector, type DkimDnsRecord, type DkimKey } from './outbound';

/**
 * DKIM signing per domain (issue #17, item 6): a level 1 administrator generates a key for one of
 * the organisation's domains (2048-bit RSA, a new selector), publishes the TXT record the settings
 * page shows, and from then on outbound mail for that domain is signed (deliver-message.ts).
 * Rotating retires the key and makes a new one under a new selector; disabling retires it. A
 * retired key loses its private half at once: it can never sign again.
 */

export const dkimDomainSchema = z.object({
  domain: z.string().trim().toLowerCase().min(1, 'Choose a domain.').max(253, 'That is not a domain of your organisation.'),
});

const NOT_OURS = 'That is not a domain of your organisation.';

function assertCanManage(actor: AdminActor) {
  if (!can(actor.level, 'settings.manage')) throw new AppError('forbidden', 'Only level 1 administrators manage DKIM signing.');
}

function isUniqueViolation(e: unknown): boolean {
  for (let c: unknown = e; c && typeof c === 'object'; c = (c as { cause?: unknown }).cause) {
    if ((c as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/** The organisation's domain row, locked so two changes of its keys run one after the other. */
async function lockDomain(tx: Tx, orgId: string, domain: string) {
  const [row] = await tx
    .select({ id: domains.id, domain: domains.domain })
    .from(domains)
    .where(and(eq(domains.orgId, orgId), eq(domains.domain, domain)))
    .for('update');
  if (!row) throw new AppError('not_found', NOT_OURS, { domain: [NOT_OURS] });
  return { id: row.id, domain: row.domain.toLowerCase() };
}

async function activeKeyOf(tx: Tx, domainId: string) {
  const [row] = await tx
    .select({ id: dkimKeys.id, selector: dkimKeys.selector })
    .from(dkimKeys)
    .where(and(eq(dkimKeys.domainId, domainId), eq(dkimKeys.status, 'active')));
  return row ?? null;
}

async function retire(tx: Tx, keyId: string, now: Date) {
  await tx.update(dkimKeys).set({ status: 'retired', privateKey: null, retiredAt: now }).where(eq(dkimKeys.id, keyId));
}

type NewKey = Awaited<ReturnType<typeof generateDkimKeyPair>> & { selector: string };

async function insertKey(tx: Tx, actor: AdminActor, domainId: string, key: NewKey, now: Date) {
  await tx.insert(dkimKeys).values({
    orgId: actor.orgId,
    domainId,
    selector: key.selector,
    bits: key.bits,
    publicKey: key.publicKey,
    privateKey: key.privateKey,
    status: 'active',
    createdBy: actor.email,
    createdAt: now,
  });
}

/**
 * A new key for one of the organisation's domains (checked first: no key is made for anyone
 * else's). Made before the transaction: RSA generation takes a moment and should hold no lock.
 */
async function newKey(orgId: string, domain: string, now: Date): Promise<NewKey> {
  const [own] = await getDb().select({ id: domains.id }).from(domains).where(and(eq(domains.orgId, orgId), eq(domains.domain, domain)));
  if (!own) throw new AppError('not_found', NOT_OURS, { domain: [NOT_OURS] });
  return { ...(await generateDkimKeyPair()), selector: newDkimSelector(now) };
}

export type DkimChange = { domain: string; selector: string; record: DkimDnsRecord };

/** Generates the domain's first (or next, after disabling) key; refused while one is active. */
export async function generateDkimKey(input: { actor: AdminActor; domain: string; now?: Date }): Promise<DkimChange> {
  return putNewKey(input, 'generated', (domain, active) => {
    if (active) throw new AppError('conflict', `${domain} already has a DKIM key (selector ${active.selector}). Rotate it to make a new one.`);
  });
}

/** Retires the active key and makes a new one under a new selector (signing switches at once). */
export async function rotateDkimKey(input: { actor: AdminActor; domain: string; now?: Date }): Promise<DkimChange> {
  return putNewKey(input, 'rotated', (domain, active) => {
    if (!active) throw new AppError('conflict', `${domain} has no DKIM key to rotate. Generate one.`);
  });
}

/**
 * A new key for the domain (generated outside the transaction: RSA key generation takes a while),
 * stored under the domain's lock after `check` accepts the key that is active now — which a
 * rotation retires — with its audit event.
 */
async function putNewKey(
  input: { actor: AdminActor; domain: string; now?: Date },
  change: 'generated' | 'rotated',
  check: (domain: string, active: { id: string; selector: string } | undefined) => void,
): Promise<DkimChange> {
  const { actor } = input;
  assertCanManage(actor);
  const now = input.now ?? new Date();
  const key = await newKey(actor.orgId, input.domain.trim().toLowerCase(), now);
  try {
    return await getDb().transaction(async (tx) => {
      const domain = await lockDomain(tx, actor.orgId, input.domain.trim().toLowerCase());
      const active = await activeKeyOf(tx, domain.id);
      check(domain.domain, active);
      if (active) await retire(tx, active.id, now);
      await insertKey(tx, actor, domain.id, key, now);
      await recordAuditEvent(tx, {
        orgId: actor.orgId,
        actor: auditActorOf(actor),
        action: `dkim_keys.${change}`,
        summary:
          change === 'rotated' && active
            ? `${actor.email} rotated the DKIM key of ${domain.domain}: selector ${active.selector} retired, ${key.selector} signs from now on`
            : `${actor.email} generated a DKIM key for ${domain.domain} (selector ${key.selector}, ${key.bits}-bit RSA)`,
        target: { type: 'domain', id: domain.id, label: domain.domain },
        clientAddress: actor.clientAddress,
        now,
      });
      return { domain: domain.domain, selector: key.selector, record: dkimDnsRecord(domain.domain, key.selector, key.publicKey) };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('conflict', 'The DKIM keys of this domain changed at the same moment. Reload the page and try again.');
    throw e;
  }
}

/** Stops signing the domain's mail: the active key is retired (its private half deleted). */
export async function disableDkimKey(input: { actor: AdminActor; domain: string; now?: Date }): Promise<void> {
  const { actor } = input;
  assertCanManage(actor);
  const now = input.now ?? new Date();
  await getDb().transaction(async (tx) => {
    const domain = await lockDomain(tx, actor.orgId, input.domain.trim().toLowerCase());
    const active = await activeKeyOf(tx, domain.id);
    if (!active) throw new AppError('conflict', `DKIM signing is already off for ${domain.domain}.`);
    await retire(tx, active.id, now);
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'dkim_keys.disabled',
      summary: `${actor.email} turned DKIM signing off for ${domain.domain} (selector ${active.selector} retired)`,
      target: { type: 'domain', id: domain.id, label: domain.domain },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}

export type DkimDomainRow = {
  domain: string;
  active: { selector: string; bits: number; createdAt: Date; createdBy: string; record: DkimDnsRecord } | null;
  /** The most recent retired selectors (newest first): their records may stay published a few days. */
  retired: { selector: string; retiredAt: Date | null; record: DkimDnsRecord }[];
};

/** How many retired keys the settings page lists per domain. */
const RETIRED_SHOWN = 3;

/** Each of the organisation's domains with its signing key, for the settings page. Never a private key. */
export async function listDkimDomains(db: DbOrTx, orgId: string): Promise<DkimDomainRow[]> {
  const own = await db.select({ id: domains.id, domain: domains.domain }).from(domains).where(eq(domains.orgId, orgId)).orderBy(domains.domain);
  if (own.length === 0) return [];
  const keys = await db
    .select({
      domainId: dkimKeys.domainId,
      selector: dkimKeys.selector,
      bits: dkimKeys.bits,
      publicKey: dkimKeys.publicKey,
      status: dkimKeys.status,
      createdAt: dkimKeys.createdAt,
      createdBy: dkimKeys.createdBy,
      retiredAt: dkimKeys.retiredAt,
    })
    .from(dkimKeys)
    .where(and(eq(dkimKeys.orgId, orgId), inArray(dkimKeys.domainId, own.map((d) => d.id))))
    .orderBy(desc(sql`coalesce(${dkimKeys.retiredAt}, ${dkimKeys.createdAt})`), desc(dkimKeys.createdAt));
  return own.map(({ id, domain: name }) => {
    const domain = name.toLowerCase();
    const mine = keys.filter((k) => k.domainId === id);
    const active = mine.find((k) => k.status === 'active');
    return {
      domain,
      active: active ? { selector: active.selector, bits: active.bits, createdAt: active.createdAt, createdBy: active.createdBy, record: dkimDnsRecord(domain, active.selector, active.publicKey) } : null,
      retired: mine
        .filter((k) => k.status === 'retired')
        .slice(0, RETIRED_SHOWN)
        .map((k) => ({ selector: k.selector, retiredAt: k.retiredAt, record: dkimDnsRecord(domain, k.selector, k.publicKey) })),
    };
  });
}

/** The key that signs mail for `domain` of the organisation, or null (no key, or not its domain). */
export async function signingKeyFor(db: DbOrTx, orgId: string, domain: string): Promise<DkimKey | null> {
  const [row] = await db
    .select({ domain: domains.domain, selector: dkimKeys.selector, privateKey: dkimKeys.privateKey })
    .from(dkimKeys)
    .innerJoin(domains, and(eq(domains.id, dkimKeys.domainId), eq(domains.orgId, dkimKeys.orgId)))
    .where(and(eq(dkimKeys.orgId, orgId), eq(domains.domain, domain.toLowerCase()), eq(dkimKeys.status, 'active')));
  if (!row?.privateKey) return null;
  return { domain: row.domain.toLowerCase(), selector: row.selector, privateKey: row.privateKey };
}
