import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { organisationKeys, secureMessages } from '@/db/schema';
import { startFakeKms } from '@/tests/servers/fake-kms';
import { createTestOrg } from '@/tests/factories';
import { openMessageContent, sealMessageContent } from './envelope';
import { clearKeyCache, currentKek, kmsKeyProvider, newUploadKey, openUploadKey, organisationKey, setKeyProvidersForTests } from './keys';
import { rotateKeys } from './maintenance';

let kms: Awaited<ReturnType<typeof startFakeKms>>;
const provider = () => kmsKeyProvider({ keyId: kms.keyId, region: 'eu-west-1', endpoint: kms.url, credentials: { accessKeyId: 'AKIATESTSTANDIN', secretAccessKey: 'stand-in-secret' } });

beforeAll(async () => {
  kms = await startFakeKms();
});
afterEach(() => {
  kms.setDown(false);
  setKeyProvidersForTests({});
});
afterAll(() => kms.close());

describe('AWS KMS key provider (the real SDK against a local stand-in)', () => {
  it('makes keys with GenerateDataKey, stores only the CiphertextBlob, and opens them with Decrypt bound to the organisation, kind and version', async () => {
    setKeyProvidersForTests({ kms: provider() });
    const org = await createTestOrg();
    const kek = await currentKek(org.orgId);
    const [row] = await getDb().select().from(organisationKeys).where(eq(organisationKeys.orgId, org.orgId));
    expect(row).toMatchObject({ kind: 'kek', version: 1, provider: 'kms', kmsKeyId: kms.keyId });
    expect(row.wrappedKey?.includes(kek.key)).toBe(false);
    expect(kms.calls.at(-1)).toMatchObject({ target: 'TrentService.GenerateDataKey', keyId: kms.keyId, encryptionContext: { owner: org.orgId, kind: 'kek', version: '1' } });
    expect(kms.calls.at(-1)?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIATESTSTANDIN\//);

    // A message sealed under it reads back after the cache is gone: through Decrypt.
    const id = randomUUID();
    const sealed = await sealMessageContent({ id, orgId: org.orgId }, { subject: 'Via KMS', bodyHtml: '<p>x</p>', bodyText: 'x' });
    const [sender] = await getDb().execute<{ id: string }>(`insert into portal_users (email, status) values ('kms-${id}@example.test', 'active') returning id`);
    await getDb().insert(secureMessages).values({ id, orgId: org.orgId, senderId: sender.id, direction: 'outbound', sentAt: new Date(), ...sealed });
    clearKeyCache();
    const before = kms.calls.length;
    const [stored] = await getDb().select().from(secureMessages).where(eq(secureMessages.id, id));
    expect(await openMessageContent(stored)).toMatchObject({ subject: 'Via KMS' });
    expect(kms.calls.slice(before).map((c) => c.target)).toEqual(['TrentService.Decrypt']);

    // KMS down and nothing cached: reading fails, it does not fall back to anything.
    clearKeyCache();
    kms.setDown(true);
    await expect(openMessageContent(stored)).rejects.toThrow();
    kms.setDown(false);

    // A blob copied to another organisation's row does not decrypt (the context names the organisation).
    const other = await createTestOrg();
    await getDb().insert(organisationKeys).values({ orgId: other.orgId, kind: 'kek', version: 1, provider: 'kms', wrappedKey: row.wrappedKey, kmsKeyId: kms.keyId });
    clearKeyCache();
    await expect(currentKek(other.orgId)).rejects.toThrow(/invalid/i);
  });

  it('upload keys, purpose keys and rotation work through KMS too', async () => {
    setKeyProvidersForTests({ kms: provider() });
    const org = await createTestOrg();
    const upload = await newUploadKey('7c1d6f0e-0000-4000-8000-000000000001');
    expect(upload.wrap).toBe('upload-kms');
    clearKeyCache();
    expect((await openUploadKey('7c1d6f0e-0000-4000-8000-000000000001', upload.wrapped, upload.wrap)).equals(upload.key)).toBe(true);
    await expect(openUploadKey('7c1d6f0e-0000-4000-8000-000000000002', upload.wrapped, upload.wrap)).rejects.toThrow();
    const search = await organisationKey(org.orgId, 'search');
    clearKeyCache();
    expect((await organisationKey(org.orgId, 'search')).equals(search)).toBe(true);
    await currentKek(org.orgId);
    const result = await rotateKeys({ orgId: org.orgId });
    expect(result.organisations).toBe(1);
    const versions = await getDb().select().from(organisationKeys).where(eq(organisationKeys.orgId, org.orgId));
    expect(versions.filter((v) => v.kind === 'kek').every((v) => v.provider === 'kms')).toBe(true);
  });
});
