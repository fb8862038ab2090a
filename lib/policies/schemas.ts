import { z } from 'zod';
import type { POLICY_CHANGE_REQUEST_STATES } from '@/db/schema';

/** A change request's state in words, on /policies and in the email to the administrator who asked. */
export const POLICY_CHANGE_REQUEST_STATE_LABELS: Record<(typeof POLICY_CHANGE_REQUEST_STATES)[number], string> = {
  sent: 'Sent to Sealpost',
  in_progress: 'In progress',
  done: 'Done',
  declined: 'Declined',
};

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
