import 'server-only';
import { randomBytes } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '@/db/client';
import { administrators, apiKeys } from '@/db/schema';
import { recordAuditEvent } from '@/lib/audit/record';
import { auditActorOf, type AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { hashToken } from '@/lib/auth/tokens';
import { AppError } from '@/lib/errors/app-error';
import { uuidSchema } from '@/lib/ids';

/**
 * Per-organisation keys for the delivery-event ingest API (POST /api/delivery-events). The key is shown once; only
 * its SHA-256 is stored, so a database leak gives nobody a working key.
 */
const KEY_PREFIX = 'sp_';
/** `sp_` and the first 8 random characters: enough to tell keys apart, far too little to guess. */
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 8;
/** 32 random bytes in base64url are exactly 43 characters. */
const KEY_PATTERN = /^sp_[A-Za-z0-9_-]{43}$/;

/** Unknown keys (orgId, createdBy…) are stripped by zod's default object behaviour. */
export const createApiKeySchema = z.object({
  name: z.string().trim().min(1, 'Enter a name.').max(100, 'The name is too long (at most 100 characters).'),
});
export const apiKeyIdSchema = z.object({ id: uuidSchema('Unknown API key.') });

export type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

function assertCanManage(actor: AdminActor) {
  if (!can(actor.level, 'settings.manage')) throw new AppError('forbidden', 'Only level 1 administrators manage API keys.');
}

/** Creates a key and returns it in full; this is the only time it exists outside the caller. */
export async function createApiKey(input: { actor: AdminActor; name: string; now?: Date }): Promise<{ id: string; key: string; prefix: string; name: string }> {
  const { actor } = input;
  assertCanManage(actor);
  const parsed = createApiKeySchema.safeParse({ name: input.name });
  if (!parsed.success) throw new AppError('invalid_input', 'Check the highlighted fields.', { name: [parsed.error.issues[0]?.message ?? 'Enter a name.'] });
  const { name } = parsed.data;
  const now = input.now ?? new Date();
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const prefix = key.slice(0, DISPLAY_PREFIX_LENGTH);
  const id = await getDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({ orgId: actor.orgId, name, prefix, keyHash: hashToken(key), createdBy: actor.email, createdAt: now })
      .returning({ id: apiKeys.id });
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'api_keys.created',
      summary: `${actor.email} created the API key "${name}" (${prefix}…)`,
      target: { type: 'api_key', id: row.id, label: name },
      clientAddress: actor.clientAddress,
      now,
    });
    return row.id;
  });
  return { id, key, prefix, name };
}

/** Revokes a key of the actor's organisation; any other id is "not found". Revoking twice is a no-op. */
export async function revokeApiKey(input: { actor: AdminActor; id: string; now?: Date }): Promise<void> {
  const { actor } = input;
  assertCanManage(actor);
  const now = input.now ?? new Date();
  const id = apiKeyIdSchema.safeParse({ id: input.id });
  if (!id.success) throw new AppError('not_found', 'That API key does not exist.');
  await getDb().transaction(async (tx) => {
    const [target] = await tx
      .select({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix, revokedAt: apiKeys.revokedAt })
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id.data.id), eq(apiKeys.orgId, actor.orgId)))
      .for('update');
    if (!target) throw new AppError('not_found', 'That API key does not exist.');
    if (target.revokedAt) return;
    await tx.update(apiKeys).set({ revokedAt: now }).where(and(eq(apiKeys.id, target.id), eq(apiKeys.orgId, actor.orgId)));
    await recordAuditEvent(tx, {
      orgId: actor.orgId,
      actor: auditActorOf(actor),
      action: 'api_keys.revoked',
      summary: `${actor.email} revoked the API key "${target.name}" (${target.prefix}…)`,
      target: { type: 'api_key', id: target.id, label: target.name },
      clientAddress: actor.clientAddress,
      now,
    });
  });
}

/** The organisation's keys, newest first, with the creator's name when they still exist. Never the hash. */
export async function listApiKeys(db: DbOrTx, orgId: string): Promise<(ApiKeyRow & { createdByName: string | null })[]> {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdBy: apiKeys.createdBy,
      createdByName: administrators.name,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .leftJoin(administrators, and(eq(administrators.orgId, apiKeys.orgId), eq(administrators.email, apiKeys.createdBy)))
    .where(eq(apiKeys.orgId, orgId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** "Last used" is recorded at most once a minute per key (see authenticateApiKey). */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The organisation a presented key belongs to, or null (unknown, malformed or revoked). The key is
 * looked up by its hash, so no comparison of secret bytes happens in our code and the index probe
 * reveals nothing about the key. The use is recorded at most once a minute: writing the same row
 * on every request made concurrent requests of one sender queue on its row lock, one commit
 * after another (the raw-bounce ingest ran at 142 a second, 8 at a time). A minute is precise
 * enough for "last used".
 */
export function authenticateApiKey(rawKey: string, now: Date = new Date()): Promise<{ orgId: string; keyId: string } | null> {
  if (!KEY_PATTERN.test(rawKey)) return Promise.resolve(null);
  // Requests with the same key at the same moment (an MTA posting bounces in parallel) share the
  // lookup under way: the answer a request joins is at most one query old (a revoked key is refused
  // from the next lookup on, milliseconds later). Nothing is kept once the lookup is answered.
  const hash = hashToken(rawKey);
  const running = inFlight.get(hash);
  if (running) return running;
  const lookup = lookUpKey(hash, now).finally(() => inFlight.delete(hash));
  inFlight.set(hash, lookup);
  return lookup;
}

const inFlight = new Map<string, Promise<{ orgId: string; keyId: string } | null>>();

async function lookUpKey(keyHash: string, now: Date): Promise<{ orgId: string; keyId: string } | null> {
  const db = getDb();
  const [row] = await db
    .select({ orgId: apiKeys.orgId, keyId: apiKeys.id, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)));
  if (!row) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS || now < row.lastUsedAt) {
    // Re-checks revocation under the row lock: a key revoked a moment ago is refused here.
    const [updated] = await db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, row.keyId), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    if (!updated) return null;
  }
  return { orgId: row.orgId, keyId: row.keyId };
}
