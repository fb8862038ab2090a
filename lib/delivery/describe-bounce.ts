/**
 * What a delivery event means, in plain words, for the detail view on /delivery-events:
 * what happened, whose side the problem is on (the recipient, our own sending, the receiver's
 * policy), whether it will be retried — read from the event and the DSN Action, never from the
 * first digit of a code — and what to do. Pure: no I/O.
 */
import { classifyBounce, REASON_LABELS, type BounceClassValue, type BounceReason, type BounceSide } from './classify-bounce';

export type DescribeInput = {
  event: string;
  smtpCode: number | null;
  enhancedCode: string;
  diagnostic: string;
  remoteServer?: string;
  reason: BounceReason | null;
  bounceClass: BounceClassValue | null;
  reportedClass?: BounceClassValue | null;
  dsnAction?: string;
};

export type BounceDescription = {
  reason: BounceReason | null;
  reasonLabel: string;
  /** Sealpost's class; for failures without a stored class, the classifier's reading. */
  bounceClass: BounceClassValue | null;
  /** The sender's class when it differs from ours (shown beside it). */
  reportedClass: BounceClassValue | null;
  side: BounceSide;
  sideText: string;
  happened: string;
  retry: string;
  todo: string;
};

type ReasonText = { side: BounceSide; happened: string; todo: string };

const REASONS: Readonly<Record<BounceReason, ReasonText>> = {
  user_unknown: { side: 'recipient', happened: 'The address does not exist at the recipient’s domain.', todo: 'Check the address for typos and ask the recipient for a current one. Sealpost stops sending to it (Suppressions).' },
  host_unknown: { side: 'recipient', happened: 'The recipient’s domain does not exist or accepts no mail.', todo: 'Check the domain part of the address for typos; ask the recipient for an address that works.' },
  mailbox_full: { side: 'recipient', happened: 'The recipient’s mailbox is full.', todo: 'Nothing on your side; let the recipient know by another channel. It suppresses only if it keeps bouncing.' },
  message_too_big: { side: 'sending', happened: 'The message was larger than the recipient’s server accepts.', todo: 'Send smaller attachments, or share them through the secure portal.' },
  spam_blocked: { side: 'policy', happened: 'The recipient’s server judged the message to be spam.', todo: 'Review the message content and links; ask the recipient to allow your sender address. Contact support if many recipients are affected.' },
  policy_blocked: { side: 'policy', happened: 'The recipient’s server refused the message by its policy or because of the sending server’s reputation (for example a block list).', todo: 'Ask the recipient’s administrator to allow your mail; if many domains refuse it, check block lists for your sending servers.' },
  auth_failure: { side: 'sending', happened: 'Your domain’s email authentication (SPF, DKIM or DMARC) failed at the recipient’s server.', todo: 'Fix your domain’s DNS: include the sending servers in SPF, publish the DKIM key, and check the DMARC policy.' },
  content_rejected: { side: 'policy', happened: 'The recipient’s server refused the content: a virus, a blocked attachment type or a malformed message.', todo: 'Remove or change the attachment, or send it through the secure portal.' },
  expired: { side: 'recipient', happened: 'The sending server kept trying and gave up: the recipient’s server could not be reached or kept deferring the message.', todo: 'Check that the recipient’s domain receives mail; send again later or use the secure portal.' },
  network_error: { side: 'recipient', happened: 'The recipient’s server could not be reached or the connection broke.', todo: 'Usually nothing: it is retried. If it persists, the recipient’s mail server is down or misconfigured.' },
  relaying_denied: { side: 'sending', happened: 'The server that was reached is not the recipient’s and refused to pass the message on.', todo: 'Check the recipient’s domain and its MX records, or your smart-host settings.' },
  mailbox_disabled: { side: 'recipient', happened: 'The recipient’s mailbox is disabled or suspended.', todo: 'Contact the recipient by another channel; if the account is closed for good, remove the address.' },
  moved: { side: 'recipient', happened: 'The recipient has moved to another address.', todo: 'Update the address; the bounce often names the new one.' },
  rate_limited: { side: 'sending', happened: 'The recipient’s server is limiting how much mail it takes from the sending server.', todo: 'Usually nothing: it is retried. Spread large sends over time.' },
  system_error: { side: 'recipient', happened: 'The recipient’s mail system had a problem of its own.', todo: 'Usually nothing: try again later. If it persists, tell the recipient their mail system is failing.' },
  other: { side: 'unknown', happened: 'The remote server refused the message without saying why in a way Sealpost recognises.', todo: 'Read what the remote server said below; contact the recipient if it persists.' },
};

const SIDES: Readonly<Record<BounceSide, string>> = {
  recipient: 'The recipient’s side (their address, mailbox or mail server).',
  sending: 'Our sending side (your domain’s settings or the message itself).',
  policy: 'The recipient’s policy (their spam or content filters).',
  unknown: 'Not known.',
};

function retryText(event: string, action: string, reason: BounceReason | null): string {
  const a = action.toLowerCase();
  if (event === 'delivered') return 'Not needed: the message was delivered.';
  if (event === 'deferred' || a === 'delayed') return 'Yes: this was a temporary failure and delivery is being retried.';
  if (event === 'complained') return 'No: the recipient reported the message as spam; Sealpost stops sending to the address.';
  if (event === 'unparsed') return 'Unknown: the bounce could not be read.';
  if (event === 'dropped') return 'No: the message was not sent.';
  if (reason === 'expired') return 'No: the sending server already retried and gave up.';
  return 'No: this is a final failure; the message will not be retried. Send it again once the cause is fixed.';
}

export function describeBounce(input: DescribeInput): BounceDescription {
  const failure = input.event === 'bounced' || input.event === 'deferred' || input.event === 'rejected' || input.event === 'dropped';
  let reason = input.reason;
  let bounceClass = input.bounceClass;
  if (failure && !reason) {
    // Events stored before the classifier existed: read them now.
    const derived = classifyBounce({ smtpCode: input.smtpCode, enhancedCode: input.enhancedCode, diagnostic: input.diagnostic, action: input.dsnAction || (input.event === 'deferred' ? 'delayed' : 'failed'), reportingSystem: input.remoteServer });
    reason = derived.reason;
    if (input.event !== 'deferred' && !bounceClass) bounceClass = derived.class;
  }
  const reported = input.reportedClass && input.reportedClass !== bounceClass ? input.reportedClass : null;
  const retry = retryText(input.event, input.dsnAction ?? '', reason);
  if (input.event === 'complained') {
    return { reason: null, reasonLabel: 'Complaint', bounceClass: null, reportedClass: null, side: 'recipient', sideText: SIDES.recipient, happened: 'The recipient marked the message as spam (a feedback-loop report from their mailbox provider).', retry, todo: 'Nothing to fix in the address: respect the complaint. Sealpost no longer sends to it (Suppressions).' };
  }
  if (input.event === 'unparsed') {
    return { reason: null, reasonLabel: 'Unparsed bounce', bounceClass: null, reportedClass: null, side: 'unknown', sideText: SIDES.unknown, happened: 'A bounce message arrived that Sealpost could not read; the reason is below. Its original is kept for 30 days.', retry, todo: 'Nothing, unless many arrive: then send one to support so the format can be read.' };
  }
  if (input.event === 'dropped' && /suppress/i.test(input.diagnostic)) {
    return { reason, reasonLabel: 'Suppressed', bounceClass: null, reportedClass: null, side: 'recipient', sideText: SIDES.recipient, happened: 'Sealpost did not send this mail: the address is on your suppression list.', retry, todo: 'If the address works again, remove it from Suppressions.' };
  }
  if (!failure || !reason) {
    return { reason: null, reasonLabel: '', bounceClass: null, reportedClass: null, side: 'unknown', sideText: '', happened: input.event === 'delivered' ? 'The recipient’s server accepted the message.' : '', retry, todo: '' };
  }
  const text = REASONS[reason];
  const classText = bounceClass === 'hard' ? ' It is a hard bounce: the address itself does not work.' : bounceClass === 'soft' ? ' It is a soft bounce: the address may work later.' : '';
  return {
    reason,
    reasonLabel: REASON_LABELS[reason],
    bounceClass,
    reportedClass: reported,
    side: text.side,
    sideText: SIDES[text.side],
    happened: `${text.happened}${classText}`,
    retry,
    todo: text.todo,
  };
}
