/**
 * Which of the organisation's policies a message meets, and what it adds to the sender's own
 * choices (SPEC §7, §8). No database here: the compose page shows the same answer the send gives.
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

/** The sender's choices with the policy's added: a policy fills in what the sender left open, and turns read receipts on. */
export function withPolicy(
  choices: { expireDays: number | null; restriction: SendPolicy['restriction']; readReceipt: boolean },
  policy: Pick<SendPolicy, 'expireAfterDays' | 'restriction' | 'readReceipt'> | null,
) {
  return {
    expireDays: choices.expireDays ?? policy?.expireAfterDays ?? null,
    restriction: choices.restriction !== 'none' ? choices.restriction : (policy?.restriction ?? 'none'),
    readReceipt: choices.readReceipt || Boolean(policy?.readReceipt),
  };
}
