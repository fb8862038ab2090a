import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDb } from '@/db/client';
import { outboxMessages, portalUsers } from '@/db/schema';
import { requestPortalPasswordLink } from './accounts';

describe('requestPortalPasswordLink', () => {
  it('emails a link marked as a secret, so the outbox drops it once a real transport has sent it', async () => {
    const email = `reset.${randomBytes(4).toString('hex')}@partner.example`;
    await getDb().insert(portalUsers).values({ email, status: 'active' });
    await requestPortalPasswordLink({ email, clientAddress: '' });
    const [message] = await getDb().select().from(outboxMessages).where(eq(outboxMessages.recipient, email));
    expect(message).toMatchObject({ kind: 'portal_password', carriesSecret: true });
    expect(message.bodyText).toMatch(/\/secure\/activate\/[A-Za-z0-9_-]{43}/);
  });
});
