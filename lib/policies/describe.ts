/** Human sentences for policies, as /policies shows them. Pure. */
export type PolicyShape = {
  conditionKind: 'subject_contains' | 'recipient_without_tls' | 'sender_in_group' | 'attachment_present';
  conditionValue: string;
  delivery: 'secure_portal' | 'sms_two_factor' | 'tls_required';
  expireAfterDays: number | null;
  readReceipt: boolean;
  restriction: 'none' | 'no_print' | 'no_print_no_reply';
};

export function describeCondition(p: Pick<PolicyShape, 'conditionKind' | 'conditionValue'>): string {
  switch (p.conditionKind) {
    case 'subject_contains':
      return `Subject contains ${p.conditionValue}`;
    case 'recipient_without_tls':
      return 'Recipients without TLS';
    case 'sender_in_group':
      return `Sender is in ${p.conditionValue}`;
    case 'attachment_present':
      return 'Message has an attachment';
  }
}

export function describeOutcome(p: Omit<PolicyShape, 'conditionKind' | 'conditionValue'>): string {
  const parts = [
    p.delivery === 'secure_portal' ? 'deliver by secure message' : p.delivery === 'sms_two_factor' ? 'SMS two-factor delivery' : 'require TLS',
  ];
  if (p.expireAfterDays) parts.push(`expire after ${p.expireAfterDays} day${p.expireAfterDays === 1 ? '' : 's'}`);
  if (p.delivery === 'secure_portal') parts.push(`read receipt ${p.readReceipt ? 'on' : 'off'}`);
  if (p.restriction === 'no_print') parts.push('no print');
  if (p.restriction === 'no_print_no_reply') parts.push('no print, no reply');
  const sentence = parts.join(', ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** Lower-cases the first letter unless it starts an acronym ("SMS"). */
function lowerFirst(text: string): string {
  return /^[A-Z][A-Z]/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1);
}

export function describePolicy(p: PolicyShape): string {
  return `${describeCondition(p)} → ${lowerFirst(describeOutcome(p))}`;
}
