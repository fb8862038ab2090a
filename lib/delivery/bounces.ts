/**
 * Plain-language explanations of SMTP replies for the delivery-event detail view, from
 * RFC 3463 enhanced status codes (class.subject.detail) with fallbacks to the subject, the class
 * and finally the 3-digit SMTP reply code. Pure: no I/O.
 */

export type BounceInput = {
  smtpCode: number | null;
  /** RFC 3463, e.g. "5.1.1"; empty when the remote server sent none. */
  enhancedCode: string;
  bounceClass: 'hard' | 'soft' | null;
};

/** subject.detail → explanation (the class says whether it is permanent or temporary). */
const DETAILS: Readonly<Record<string, string>> = {
  '0.0': 'Other or undefined status; the remote server gave no more detail.',
  '1.0': 'Something is wrong with an address, but the server did not say what.',
  '1.1': 'Bad destination mailbox address: the recipient does not exist at that domain.',
  '1.2': 'Bad destination system address: the recipient’s domain does not exist or does not accept mail.',
  '1.3': 'Bad destination mailbox address syntax: the recipient address is malformed.',
  '1.6': 'Destination mailbox has moved and no forwarding address is known.',
  '1.7': 'Bad sender mailbox address syntax.',
  '1.8': 'Bad sender’s system address: the sending domain was not accepted.',
  '1.10': 'The recipient address has a null MX: its domain accepts no mail.',
  '2.0': 'Something is wrong with the recipient’s mailbox, but the server did not say what.',
  '2.1': 'Mailbox disabled: the recipient’s mailbox is not accepting messages.',
  '2.2': 'Mailbox full: the recipient is over quota.',
  '2.3': 'Message length exceeds the recipient’s administrative limit.',
  '2.4': 'Mailing list expansion problem at the recipient’s server.',
  '3.0': 'The recipient’s mail system reported a problem.',
  '3.1': 'Mail system full: the recipient’s server is out of storage.',
  '3.2': 'The recipient’s system is not accepting network messages right now.',
  '3.4': 'Message too big for the recipient’s system.',
  '4.0': 'A network or routing problem prevented delivery.',
  '4.1': 'No answer from host: the recipient’s mail server did not respond.',
  '4.2': 'Bad connection: the connection to the recipient’s server dropped.',
  '4.3': 'Directory server failure: the recipient’s server could not look up the address.',
  '4.4': 'Unable to route: no mail server was found for the recipient’s domain.',
  '4.7': 'Delivery time expired: the message could not be delivered before it timed out.',
  '5.0': 'The recipient’s server reported a protocol error.',
  '5.1': 'Invalid command: the servers did not understand each other.',
  '5.2': 'Syntax error in the conversation between the mail servers.',
  '5.3': 'Too many recipients in one message for the recipient’s server.',
  '6.0': 'The message content or media was not accepted.',
  '6.1': 'Media not supported by the recipient’s server.',
  '7.0': 'Refused for a security or policy reason.',
  '7.1': 'Delivery not authorized, message refused: the recipient’s server rejected it by policy (often spam filtering or a block list).',
  '7.2': 'Mailing list expansion prohibited.',
  '7.7': 'Message integrity failure.',
  '7.8': 'Authentication credentials invalid.',
  '7.9': 'Authentication mechanism is too weak.',
  '7.23': 'SPF validation failed: the sending server is not authorised for the sender’s domain.',
  '7.25': 'Reverse DNS validation failed for the sending server.',
  '7.26': 'Multiple authentication checks (SPF, DKIM, DMARC) failed.',
  '7.27': 'The sender address has a null MX and cannot receive replies.',
};

const SUBJECTS: Readonly<Record<string, string>> = {
  '0': 'Other or undefined status.',
  '1': 'A problem with an address (the recipient or the sender).',
  '2': 'A problem with the recipient’s mailbox.',
  '3': 'A problem with the recipient’s mail system.',
  '4': 'A network or routing problem.',
  '5': 'A mail delivery protocol problem.',
  '6': 'A problem with the message content.',
  '7': 'A security or policy problem.',
};

const CLASSES: Readonly<Record<string, string>> = {
  '2': 'Delivered',
  '4': 'Temporary failure; delivery will be retried',
  '5': 'Permanent failure; it will not be retried',
};

const SMTP_CODES: Readonly<Record<number, string>> = {
  250: 'The recipient’s server accepted the message.',
  421: 'The recipient’s server is unavailable and closed the connection.',
  450: 'The recipient’s mailbox is unavailable right now (busy or greylisted).',
  451: 'The recipient’s server hit a local error while processing the message.',
  452: 'The recipient’s server has insufficient storage.',
  550: 'The recipient’s mailbox is unavailable or the message was refused.',
  551: 'The recipient is not local to that server.',
  552: 'The recipient’s mailbox is over its storage allocation.',
  553: 'The mailbox name is not allowed.',
  554: 'The transaction failed.',
};

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

/** A short explanation such as "Permanent failure; it will not be retried. Bad destination mailbox address: …". */
export function explainBounce({ smtpCode, enhancedCode, bounceClass }: BounceInput): string {
  const match = ENHANCED.exec(enhancedCode.trim());
  if (match) {
    const [, cls, subject, detail] = match;
    const prefix = CLASSES[cls];
    if (cls === '2') return 'Delivered: the recipient’s server accepted the message.';
    const text =
      DETAILS[`${Number(subject)}.${Number(detail)}`] ??
      SUBJECTS[String(Number(subject))] ??
      'The remote server reported an unrecognised status.';
    return `${prefix}. ${text}`;
  }
  const classText = bounceClass === 'hard' ? 'Permanent failure (hard bounce)' : bounceClass === 'soft' ? 'Temporary failure (soft bounce)' : null;
  if (smtpCode !== null) {
    const codeText = SMTP_CODES[smtpCode];
    const byDigit = CLASSES[String(Math.floor(smtpCode / 100))];
    const lead = classText ?? byDigit;
    if (codeText) return lead ? `${lead}. ${codeText}` : codeText;
    if (lead) return `${lead}. The remote server gave SMTP code ${smtpCode}.`;
  }
  if (classText) return `${classText}. The remote server gave no status code.`;
  return 'No status code was reported.';
}
