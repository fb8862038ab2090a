/**
 * Which of the organisation's policies a message meets, and how it holds the sender's own choices
 * to its minimum (SPEC §7, §8). No database here: the compose page shows the same answer the send gives.
 */
export type SendPolicy = {
  id: string;
  name: string;
  conditionKind: string;
  conditionValue: string | null;
  expireAfterDays: number | null;
  readReceipt: boolean;
  restriction: 'none' | 'no_print' | 'no_print_no_reply';
};

/** The first policy (in order) whose condition the message meets; subject conditions are the ones a send can check. */
export function policyForSubject<P extends Pick<SendPolicy, 'conditionKind' | 'conditionValue'>>(policies: P[], subject: string): P | null {
  const text = subject.toLowerCase();
  return policies.find((p) => p.conditionKind === 'subject_contains' && p.conditionValue && text.includes(p.conditionValue.toLowerCase())) ?? null;
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
