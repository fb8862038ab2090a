import { z } from 'zod';

/** What a request with no policy is about. */
export const NEW_POLICY = 'A new policy';

export const POLICY_CHANGE_DETAILS_MIN = 10;
export const POLICY_CHANGE_DETAILS_MAX = 2000;

/**
 * "Request a change" on /policies: shared by the form and the server action. `policyId` empty
 * means a new policy. Strict: an extra field (orgId, state, …) is refused, never applied.
 */
export const policyChangeRequestSchema = z.strictObject({
  policyId: z.union([z.literal(''), z.uuid('Choose a policy from the list.')]),
  details: z
    .string()
    .trim()
    .min(POLICY_CHANGE_DETAILS_MIN, `Say what should change, in at least ${POLICY_CHANGE_DETAILS_MIN} characters.`)
    .max(POLICY_CHANGE_DETAILS_MAX, `Keep the request under ${POLICY_CHANGE_DETAILS_MAX.toLocaleString('en-US')} characters.`),
});

export type PolicyChangeRequestInput = z.infer<typeof policyChangeRequestSchema>;
