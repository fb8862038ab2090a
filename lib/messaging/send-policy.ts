import { evaluatePolicies, type EvaluatedMessage, type PolicyDelivery } from '@/lib/policies/evaluate';

/**
 * Which of the organisation's policies a composed message meets, and how it holds the sender's own
 * choices to its minimum (a policy only ever makes a message stricter). The decision is lib/policies/evaluate.ts's, the one engine
 * the SMTP gateway uses too. No database here: the compose page shows the same answer the send gives.
 */
export type SendPolicy = {
  id: string;
  name: string;
  conditionKind: string;
  conditionValue: string | null;
  delivery: PolicyDelivery;
  expireAfterDays: number | null;
  readReceipt: boolean;
  restriction: 'none' | 'no_print' | 'no_print_no_reply';
};

/**
 * The first policy (in order) a composed message meets. A portal message never crosses SMTP, so
 * every recipient counts as reachable over TLS: "recipients without TLS" never applies to compose.
 * Every other condition is about the message, so the answer is the same for all its recipients.
 */
export function policyForCompose<P extends Pick<SendPolicy, 'id' | 'conditionKind' | 'conditionValue' | 'delivery'>>(policies: readonly P[], message: EvaluatedMessage): P | null {
  const [decision] = evaluatePolicies(policies, message, [{ address: '', tlsCapable: true }]);
  return decision.policy;
}

/** Restrictions from the weakest to the strictest. */
const RESTRICTION_ORDER: SendPolicy['restriction'][] = ['none', 'no_print', 'no_print_no_reply'];

/** The stricter of two restrictions. */
export function stricterRestriction(a: SendPolicy['restriction'], b: SendPolicy['restriction']): SendPolicy['restriction'] {
  return RESTRICTION_ORDER.indexOf(a) >= RESTRICTION_ORDER.indexOf(b) ? a : b;
}

/** The sooner of two expiries in days; null is "never", so any number is sooner. */
export function shorterExpiry(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/**
 * The options a message is sent with: the organisation's policy is a minimum, never a default the
 * sender may weaken. The stricter restriction and the sooner expiry win, whoever chose them, and a
 * read receipt is requested when either asks. Without a policy, the sender's choices as they are.
 */
export function withPolicy(
  choices: { expireDays: number | null; restriction: SendPolicy['restriction']; readReceipt: boolean },
  policy: Pick<SendPolicy, 'expireAfterDays' | 'restriction' | 'readReceipt'> | null,
) {
  if (!policy) return { expireDays: choices.expireDays, restriction: choices.restriction, readReceipt: choices.readReceipt };
  return {
    expireDays: shorterExpiry(choices.expireDays, policy.expireAfterDays),
    restriction: stricterRestriction(choices.restriction, policy.restriction),
    readReceipt: choices.readReceipt || policy.readReceipt,
  };
}
