/**
 * Delivery status notifications (RFC 3464) in an RFC 6522 multipart/report: a plain-words
 * explanation, the machine-readable message/delivery-status, and the original message's headers
 * as text/rfc822-headers. Built with nodemailer's MimeNode (boundaries, encodings, folding).
 * Sent from MAILER-DAEMON with the null return path, so it can never bounce back (RFC 5321 §6.1).
 */
import { randomUUID } from 'node:crypto';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { explainBounce } from '@/lib/delivery/bounces';
import type { RecipientResult } from './deliver';
import { statusOf } from './reply';

export type DsnRecipient = {
  recipient: string;
  /** The address as the sender wrote it, when it differs (ORCPT). */
  originalRecipient?: string | null;
  action: 'failed' | 'delayed';
  /** RFC 3463 status, e.g. "5.1.1". */
  status: string;
  /** Host name of the server that gave the verdict. */
  remoteMta?: string | null;
  /** The remote SMTP reply, as one line: becomes "Diagnostic-Code: smtp; …". */
  smtpDiagnostic?: string | null;
  /** Our own explanation when there was no remote reply (DNS, connection, expiry). */
  localDiagnostic?: string | null;
  lastAttemptAt?: Date | null;
  /** For "delayed": when we stop trying. */
  willRetryUntil?: Date | null;
};

export type DsnInput = {
  /** Our host name: Reporting-MTA and the MAILER-DAEMON address. */
  reportingMta: string;
  /** The original message's return path: the DSN goes there. */
  returnPath: string;
  arrivalDate: Date;
  /** The original message's header block (a whole message is cut at its first empty line). */
  originalHeaders: string | Buffer;
  recipients: DsnRecipient[];
  originalEnvelopeId?: string | null;
  /** The original Message-ID, for In-Reply-To/References so mail programs thread the report. */
  originalMessageId?: string | null;
  now?: Date;
};

export type Dsn = {
  envelope: { from: ''; to: [string] };
  raw: Buffer;
};

/** A DSN entry from a delivery result: "failed" for bounced, "delayed" for deferred. */
export function dsnRecipientOf(
  result: RecipientResult,
  extra: { lastAttemptAt?: Date | null; willRetryUntil?: Date | null; originalRecipient?: string | null } = {},
): DsnRecipient {
  if (result.outcome !== 'bounced' && result.outcome !== 'deferred') {
    throw new Error(`dsnRecipientOf: a ${result.outcome} recipient gets no DSN`);
  }
  const action = result.outcome === 'bounced' ? 'failed' : 'delayed';
  return {
    recipient: result.recipient,
    originalRecipient: extra.originalRecipient ?? null,
    action,
    status: statusOf(result.smtpCode, result.enhancedCode, action === 'failed' ? '5.0.0' : '4.0.0'),
    remoteMta: result.remoteServer,
    // An expired recipient keeps its last remote reply, but the diagnostic then is our sentence.
    smtpDiagnostic: result.smtpCode !== null && result.enhancedCode !== '4.4.7' ? result.diagnostic : null,
    localDiagnostic: result.smtpCode !== null && result.enhancedCode !== '4.4.7' ? null : result.diagnostic,
    lastAttemptAt: extra.lastAttemptAt ?? null,
    willRetryUntil: extra.willRetryUntil ?? null,
  };
}

/** One line of 7-bit text: delivery-status fields are ASCII header fields (RFC 3464 §2.1). */
function field(value: string, max = 900): string {
  return value
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim()
    .slice(0, max);
}

function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

function headerBlock(original: string | Buffer): string {
  const text = Buffer.isBuffer(original) ? original.toString('utf8') : original;
  const end = /\r?\n\r?\n/.exec(text);
  const block = end ? text.slice(0, end.index) : text;
  return block.replace(/\r?\n/g, '\r\n').replace(/\s+$/, '') + '\r\n';
}

function deliveryStatus(input: DsnInput, now: Date): string {
  const perMessage = [
    `Reporting-MTA: dns; ${field(input.reportingMta)}`,
    ...(input.originalEnvelopeId ? [`Original-Envelope-Id: ${field(input.originalEnvelopeId)}`] : []),
    `Arrival-Date: ${rfc5322Date(input.arrivalDate)}`,
  ];
  const perRecipient = input.recipients.map((r) => [
    ...(r.originalRecipient ? [`Original-Recipient: rfc822; ${field(r.originalRecipient)}`] : []),
    `Final-Recipient: rfc822; ${field(r.recipient)}`,
    `Action: ${r.action}`,
    `Status: ${field(r.status)}`,
    ...(r.remoteMta ? [`Remote-MTA: dns; ${field(r.remoteMta)}`] : []),
    ...(r.smtpDiagnostic
      ? [`Diagnostic-Code: smtp; ${field(r.smtpDiagnostic)}`]
      : r.localDiagnostic
        ? [`Diagnostic-Code: X-Sealpost; ${field(r.localDiagnostic)}`]
        : []),
    `Last-Attempt-Date: ${rfc5322Date(r.lastAttemptAt ?? now)}`,
    ...(r.action === 'delayed' && r.willRetryUntil ? [`Will-Retry-Until: ${rfc5322Date(r.willRetryUntil)}`] : []),
  ]);
  // Header-style fields: long ones (diagnostics) are folded at spaces like any header (RFC 5322 §2.2.3).
  return [perMessage, ...perRecipient].map((group) => group.map((f) => foldLines(f, 76)).join('\r\n')).join('\r\n\r\n') + '\r\n';
}

function humanText(input: DsnInput): string {
  const failed = input.recipients.filter((r) => r.action === 'failed');
  const delayed = input.recipients.filter((r) => r.action === 'delayed');
  const describe = (r: DsnRecipient) => {
    // The explanation's lead sentence follows the action: a class 4 status on a final failure
    // (4.4.7, expired) is still final for the sender.
    const enhancedCode = `${r.action === 'failed' ? '5' : '4'}${r.status.slice(1)}`;
    const lines = [`<${r.recipient}>`, `    ${explainBounce({ smtpCode: null, enhancedCode, bounceClass: null })}`];
    // Remote text is untrusted: one line, no control characters (it may carry CR/LF).
    const oneLine = (text: string) => text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim().slice(0, 900);
    if (r.smtpDiagnostic) lines.push(`    The server ${r.remoteMta ?? 'of the recipient'} said: ${oneLine(r.smtpDiagnostic)}`);
    else if (r.localDiagnostic) lines.push(`    ${oneLine(r.localDiagnostic)}`);
    return lines.join('\n');
  };
  const parts = [`This is the mail system at ${input.reportingMta}.`];
  if (failed.length) {
    parts.push(
      `Your message could not be delivered to ${failed.length === 1 ? 'this recipient' : 'these recipients'}. ` +
        'This is final: the message will not be sent to them again.',
      failed.map(describe).join('\n\n'),
    );
  }
  if (delayed.length) {
    const until = delayed.find((r) => r.willRetryUntil)?.willRetryUntil;
    parts.push(
      `Your message has not been delivered yet to ${delayed.length === 1 ? 'this recipient' : 'these recipients'}. ` +
        `Nothing needs to be done: delivery will be tried again${until ? ` until ${rfc5322Date(until)}` : ''}, ` +
        'and you will be told if it finally fails.',
      delayed.map(describe).join('\n\n'),
    );
  }
  parts.push('The headers of your message are attached.');
  return (parts.join('\n\n') + '\n').replace(/\n/g, '\r\n');
}

/** The DSN for these recipients, or null when the original had the null return path (never bounce a bounce). */
export async function buildDsn(input: DsnInput): Promise<Dsn | null> {
  if (!input.returnPath) return null;
  if (!input.recipients.length) throw new Error('buildDsn: no recipients to report');
  if (!/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/i.test(input.reportingMta)) throw new Error('buildDsn: reportingMta must be a host name');
  const now = input.now ?? new Date();
  const anyFailed = input.recipients.some((r) => r.action === 'failed');

  const root = new MimeNode('multipart/report; report-type=delivery-status');
  root.date = now;
  root.setHeader('From', `Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`);
  root.setHeader('To', input.returnPath);
  root.setHeader('Subject', anyFailed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)');
  // RFC 3834: an automatic reply, so that auto-responders do not answer it.
  root.setHeader('Auto-Submitted', 'auto-replied');
  if (input.originalMessageId) {
    root.setHeader('In-Reply-To', input.originalMessageId);
    root.setHeader('References', input.originalMessageId);
  }
  root.setHeader('Message-ID', `<dsn.${now.getTime().toString(36)}.${randomUUID()}@${input.reportingMta}>`);

  root.createChild('text/plain; charset=utf-8').setContent(humanText(input));
  root.createChild('message/delivery-status').setContent(deliveryStatus(input, now));
  root.createChild('text/rfc822-headers').setContent(headerBlock(input.originalHeaders));

  return { envelope: { from: '', to: [input.returnPath] }, raw: await root.build() };
}
