import { evaluatePolicies, type EvaluatedMessage, type PolicyDelivery } from '@/lib/policies/evaluate';

/**
 * Which of the organisation's policies a composed message meets, and what it adds to the sender's
 * own choices (SPEC §7, §8). The decision is lib/policies/evaluate.ts's, the one engine the SMTP
 * gateway uses too. No database here: the compose page shows the same answer the send gives.
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
