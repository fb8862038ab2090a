'use server';

import { revalidatePath } from 'next/cache';
import { adminAction } from '@/lib/actions/action';
import { requestPolicyChange } from '@/lib/policies/request-policy-change';
import { policyChangeRequestSchema } from '@/lib/policies/schemas';

export const requestPolicyChangeAction = adminAction('requestPolicyChangeAction', policyChangeRequestSchema, async (input, { actor }) => {
  const result = await requestPolicyChange({ actor, ...input });
  revalidatePath('/policies');
  return result;
});
