import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { organisationKeys } from '@/db/schema';
import { createTestOrg } from '@/tests/factories';
import { clearKeyCache, createKeyVersion, currentKek, kekVersion, masterKeyProvider, organisationKey, setKeyProvidersForTests } from './keys';

afterEach(() => setKeyProvidersForTests({}));

describe('organisation keys (master key provider)', () => {
  it('makes version 1 on first use, derives the same key again after the cache is cleared, and nothing secret is stored', async () => {
    const { orgId } = await createTestOrg();
    const first = await currentKek(orgId);
    expect(first.version).toBe(1);
    expect(first.key).toHaveLength(32);
    clearKeyCache();
    expect((await currentKek(orgId)).key.equals(first.key)).toBe(true);
    expect((await kekVersion(orgId, 1)).equals(first.key)).toBe(true);
    const rows = await getDb().select().from(organisationKeys).where(eq(organisationKeys.orgId, orgId));
    expect(rows).toEqual([expect.objectContaining({ kind: 'kek', version: 1, provider: 'master', wrappedKey: null })]);
  });

  it('differs by organisation, version and purpose, and purpose keys do not change with a new key-encryption key version', async () => {
    const a = await createTestOrg();
    const b = await createTestOrg();
    const kekA = await currentKek(a.orgId);
    const kekB = await currentKek(b.orgId);
    expect(kekA.key.equals(kekB.key)).toBe(false);
    const searchA = await organisationKey(a.orgId, 'search');
    expect(searchA.equals(await organisationKey(b.orgId, 'search'))).toBe(false);
    expect(searchA.equals(await organisationKey(a.orgId, 'attachment-names'))).toBe(false);
    expect(await createKeyVersion(getDb(), { orgId: a.orgId, kind: 'kek', version: 2 })).toBe(true);
    expect(await createKeyVersion(getDb(), { orgId: a.orgId, kind: 'kek', version: 2 })).toBe(false);
    clearKeyCache();
    const v2 = await currentKek(a.orgId);
    expect(v2.version).toBe(2);
    expect(v2.key.equals(kekA.key)).toBe(false);
    expect((await organisationKey(a.orgId, 'search')).equals(searchA)).toBe(true);
  });

  it('another master key derives other keys', async () => {
    const { orgId } = await createTestOrg();
    const key = (await currentKek(orgId)).key;
    setKeyProvidersForTests({ master: masterKeyProvider(Buffer.alloc(32, 9)) });
    expect((await currentKek(orgId)).key.equals(key)).toBe(false);
    setKeyProvidersForTests({ master: null });
    await expect(kekVersion(orgId, 1)).rejects.toThrow(/SEALPOST_MASTER_KEY/);
    const [root] = await getDb().select().from(organisationKeys).where(and(eq(organisationKeys.orgId, orgId), eq(organisationKeys.kind, 'root')));
    expect(root).toBeUndefined();
  });
});
