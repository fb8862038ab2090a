'use server';

import { revalidatePath } from 'next/cache';
import { adminAction } from '@/lib/actions/action';
import { apiKeyIdSchema, createApiKey, createApiKeySchema, revokeApiKey } from '@/lib/delivery/api-keys';

/** Returns the full key: the dialog shows it once, and it is never readable again. */
export const createApiKeyAction = adminAction('createApiKeyAction', createApiKeySchema, async ({ name }, { actor }) => {
  const result = await createApiKey({ actor, name });
  revalidatePath('/settings/api-keys');
  return result;
});

export const revokeApiKeyAction = adminAction('revokeApiKeyAction', apiKeyIdSchema, async ({ id }, { actor }) => {
  await revokeApiKey({ actor, id });
  revalidatePath('/settings/api-keys');
  return null;
});
