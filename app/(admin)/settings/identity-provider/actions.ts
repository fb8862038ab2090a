'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { adminAction } from '@/lib/actions/action';
import { removeIdentityProvider, saveIdentityProvider } from '@/lib/domain-sign-in/save-identity-provider';
import { identityProviderSchema, testConnectionSchema, unlinkDomainIdentitySchema } from '@/lib/domain-sign-in/schemas';
import { testIdentityProvider } from '@/lib/domain-sign-in/test-identity-provider';
import { unlinkDomainIdentity } from '@/lib/domain-sign-in/unlink-domain-identity';

export const saveIdentityProviderAction = adminAction('saveIdentityProviderAction', identityProviderSchema, async (values, { actor }) => {
  await saveIdentityProvider({ actor, values });
  revalidatePath('/settings/identity-provider');
  return null;
});

export const testIdentityProviderAction = adminAction('testIdentityProviderAction', testConnectionSchema, async (values, { actor }) =>
  testIdentityProvider({ actor, ...values }),
);

export const removeIdentityProviderAction = adminAction('removeIdentityProviderAction', z.object({}), async (_input, { actor }) => {
  await removeIdentityProvider({ actor });
  revalidatePath('/settings/identity-provider');
  return null;
});

export const unlinkDomainIdentityAction = adminAction('unlinkDomainIdentityAction', unlinkDomainIdentitySchema, async ({ email }, { actor }) => {
  const result = await unlinkDomainIdentity({ actor, email });
  revalidatePath('/administrators');
  return result;
});
