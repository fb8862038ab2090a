/**
 * The one policy engine: for the organisation's enabled policies in order, what happens
 * to a message for each recipient. Pure — no database, no clock — so the SMTP gateway, portal
 * compose and the compose page's preview all give the same answer for the same facts.
 */
export type PolicyCondition = 'subject_contains' | 'recipient_without_tls' | 'sender_in_group' | 'attachment_present';
export type PolicyDelivery = 'secure_portal' | 'sms_two_factor' | 'tls_required';

export type EvaluablePolicy = {
  id: string;
  conditionKind: PolicyCondition | string;
  conditionValue: string | null;
  delivery: PolicyDelivery;
};

export type EvaluatedMessage = {
  subject: string;
  hasAttachment: boolean;
  /** Names of the policy groups (policy_groups) the sender is a member of, any case. */
  senderGroups: readonly string[];
};

export type EvaluatedRecipient = {
  address: string;
  /**
   * Whether the recipient's domain accepts mail over verified STARTTLS. The caller knows: the
   * gateway from the MX TLS cache (unknown counts as false), compose says true (a portal message
   * never crosses SMTP).
   */
  tlsCapable: boolean;
};

export type RecipientDecision<P> = {
  address: string;
  /** The first policy (in the given order) whose condition holds for this recipient, or null. */
  policy: P | null;
  /** What happens: the policy's delivery, or `smtp` (ordinary SMTP delivery) without a policy. */
  outcome: PolicyDelivery | 'smtp';
};

/** Whether one policy's condition holds for the message and this recipient. */
export function conditionHolds(policy: Pick<EvaluablePolicy, 'conditionKind' | 'conditionValue'>, message: EvaluatedMessage, recipient: EvaluatedRecipient): boolean {
  const value = (policy.conditionValue ?? '').trim().toLowerCase();
  switch (policy.conditionKind) {
    case 'subject_contains':
      // An empty condition would match every message: treat it as a configuration slip, not "all".
      return value !== '' && message.subject.toLowerCase().includes(value);
    case 'attachment_present':
      return message.hasAttachment;
    case 'sender_in_group':
      return value !== '' && message.senderGroups.some((group) => group.trim().toLowerCase() === value);
    case 'recipient_without_tls':
      return !recipient.tlsCapable;
    default:
      // A kind this code does not know never matches rather than guessing.
      return false;
  }
}

/** Per recipient: the first matching policy in order, and the outcome it gives. */
export function evaluatePolicies<P extends EvaluablePolicy>(policies: readonly P[], message: EvaluatedMessage, recipients: readonly EvaluatedRecipient[]): RecipientDecision<P>[] {
  return recipients.map((recipient) => {
    const policy = policies.find((p) => conditionHolds(p, message, recipient)) ?? null;
    return { address: recipient.address, policy, outcome: policy ? policy.delivery : 'smtp' };
  });
}
