/**
 * Reads one raw bounce message — as a mail system sent it — into per-recipient results:
 * RFC 3464 delivery status notifications inside RFC 6522 multipart/report (also RFC 6533's
 * message/global-delivery-status), RFC 5965 ARF feedback reports (complaints), and the common
 * plain-text formats (Postfix, qmail, Exim, Sendmail, Exchange / Office 365, Gmail, Domino and
 * a generic "address + SMTP reply" reading). MIME is decoded by mailparser (mailsplit); the
 * bounce reading is ours. Each recipient is classified by classifyBounce.
 *
 * Bounded work: the MIME parser streams the message once; the text readers look at the first
 * MAX_TEXT characters of the report and the first MAX_SCAN bytes of the raw message for the
 * returned headers; every value kept is clipped. All regular expressions are linear (no nested
 * quantifiers over the same characters), so the parse time is linear in the input.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { parseReturnPath, type ReturnPathKey } from '@/lib/mailflow/outbound/return-path';
import { classifyBounce, type BounceClassification } from './classify-bounce';

/** Readers look at this much of the decoded report text. */
const MAX_TEXT = 256 * 1024;
/** The returned headers are searched for in this much of the raw message. */
const MAX_SCAN = 2 * 1024 * 1024;
/** Longest field value kept (diagnostics are clipped to the API's own 2,000 characters). */
export const MAX_DIAGNOSTIC = 2000;
const MAX_FIELD = 998;
/** More recipients than this in one report is not a real bounce; the rest are ignored. */
const MAX_RECIPIENTS = 1000;
/** More MIME parts than this is a hostile message, not a bounce: it is kept unparsed. */
const MAX_PARTS = 500;

export type BounceAction = 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';

export type BounceRecipientResult = {
  recipient: string;
  action: BounceAction;
  /** RFC 3463 status from the report (or found in the diagnostic); '' when none. */
  status: string;
  smtpCode: number | null;
  diagnostic: string;
  remoteMta: string;
  classification: BounceClassification;
};

export type BounceFormat = 'rfc3464' | 'postfix' | 'qmail' | 'exim' | 'sendmail' | 'exchange' | 'gmail' | 'domino' | 'generic';

export type OriginalMessage = {
  /** Sealpost's message id from the signed return path (VERP), when it matched. */
  sealpostMessageId: string | null;
  recipientIndex: number | null;
  /** The returned message's Message-ID header, without angle brackets. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
};

export type ReadBounceResult =
  | {
      kind: 'bounce';
      format: BounceFormat;
      reportingMta: string;
      bounceMessageId: string;
      arrivalDate: Date | null;
      original: OriginalMessage;
      recipients: BounceRecipientResult[];
    }
  | {
      kind: 'complaint';
      feedbackType: string;
      reportingMta: string;
      bounceMessageId: string;
      arrivalDate: Date | null;
      original: OriginalMessage;
      recipients: { recipient: string; diagnostic: string }[];
    }
  | { kind: 'unparsed'; reason: string; bounceMessageId: string };

export type ReadBounceOptions = {
  /** The envelope recipient the bounce arrived at (the gateway knows it): our return path. */
  envelopeRecipient?: string | null;
  /** How to read Sealpost's signed return paths; without it VERP addresses are not trusted. */
  returnPath?: { bounceDomain: string; key: ReturnPathKey | ReturnPathKey[] } | null;
};

const ADDRESS = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?){1,10}/;
const ADDRESS_G = new RegExp(ADDRESS.source, 'g');

function clip(value: string, max = MAX_FIELD): string {
  const text = value.replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function addressIn(value: string): string {
  const angle = /<([^<>\s]{3,254})>/.exec(value);
  const match = ADDRESS.exec(angle ? angle[1] : value);
  return match && match[0].length <= 254 ? match[0].toLowerCase() : '';
}

/**
 * RFC 3464 fields: header-style blocks separated by blank lines, continuation lines folded.
 * Returns the per-message block and the per-recipient blocks, each a map of lower-case names to
 * values (the first value of a repeated field wins).
 */
export function parseDeliveryStatusFields(text: string): Map<string, string>[] {
  const blocks: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let lastName = '';
  const lines = text.slice(0, MAX_TEXT).split(/\r?\n/);
  for (const line of lines) {
    if (line.trim() === '') {
      if (current.size > 0) blocks.push(current);
      current = new Map();
      lastName = '';
      if (blocks.length > MAX_RECIPIENTS) break;
      continue;
    }
    if (/^[ \t]/.test(line) && lastName) {
      const previous = current.get(lastName) ?? '';
      if (previous.length < MAX_DIAGNOSTIC * 2) current.set(lastName, `${previous} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || colon > 60) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[a-z0-9-]+$/.test(name)) continue;
    lastName = name;
    if (!current.has(name)) current.set(name, line.slice(colon + 1).trim().slice(0, MAX_DIAGNOSTIC * 2));
  }
  if (current.size > 0) blocks.push(current);
  return blocks;
}

/** "5.1.1 (bad destination mailbox)" → "5.1.1"; anything else → ''. */
function statusOf(value: string | undefined): string {
  const match = /([245])\.(\d{1,3})\.(\d{1,3})/.exec(value ?? '');
  return match ? `${match[1]}.${Number(match[2])}.${Number(match[3])}` : '';
}

/** "smtp; 550 5.1.1 …" → the text after the type; a bare value is kept. */
function typedValue(value: string | undefined): string {
  if (!value) return '';
  const semicolon = value.indexOf(';');
  return (semicolon >= 0 && semicolon < 20 ? value.slice(semicolon + 1) : value).trim();
}

function smtpCodeIn(text: string): number | null {
  const match = /(?:^|[^\d.])([245]\d\d)(?:[ -]|$)/.exec(text.slice(0, 400));
  return match ? Number(match[1]) : null;
}

function actionOf(value: string | undefined, status: string): BounceAction {
  const v = (value ?? '').trim().toLowerCase().split(/[\s(;]/)[0];
  if (v === 'failed' || v === 'delayed' || v === 'delivered' || v === 'relayed' || v === 'expanded') return v;
  if (status.startsWith('4')) return 'delayed';
  if (status.startsWith('2')) return 'delivered';
  return 'failed';
}

function result(recipient: string, action: BounceAction, status: string, diagnostic: string, remoteMta: string): BounceRecipientResult {
  const diag = clip(diagnostic, MAX_DIAGNOSTIC);
  const classification = classifyBounce({ enhancedCode: status, action, diagnostic: diag, reportingSystem: remoteMta, smtpCode: smtpCodeIn(diag) });
  return {
    recipient,
    action,
    status: status || classification.enhancedCode,
    smtpCode: classification.smtpCode,
    diagnostic: diag,
    remoteMta: clip(remoteMta, 255),
    classification,
  };
}

function readDsn(text: string): { reportingMta: string; arrivalDate: Date | null; envelopeId: string; recipients: BounceRecipientResult[] } {
  const blocks = parseDeliveryStatusFields(text);
  let reportingMta = '';
  let arrivalDate: Date | null = null;
  let envelopeId = '';
  const recipients: BounceRecipientResult[] = [];
  for (const block of blocks) {
    const final = block.get('final-recipient') ?? block.get('original-recipient');
    if (!final) {
      reportingMta ||= clip(typedValue(block.get('reporting-mta')), 255);
      envelopeId ||= clip(block.get('original-envelope-id') ?? '');
      const arrival = block.get('arrival-date');
      if (arrival && !arrivalDate) {
        const d = new Date(arrival);
        arrivalDate = Number.isNaN(d.getTime()) ? null : d;
      }
      continue;
    }
    const recipient = addressIn(typedValue(final)) || addressIn(typedValue(block.get('original-recipient')));
    if (!recipient) continue;
    const status = statusOf(block.get('status'));
    const diagnostic = typedValue(block.get('diagnostic-code'));
    const remote = typedValue(block.get('remote-mta'));
    recipients.push(result(recipient, actionOf(block.get('action'), status), status, diagnostic, remote));
    if (recipients.length >= MAX_RECIPIENTS) break;
  }
  return { reportingMta, arrivalDate, envelopeId, recipients };
}

/** Markers after which the text is the returned message, not the report. */
const COPY_MARKERS = [
  /^-+ ?below this line is a copy of the message/im,
  /^-+ ?this is a copy of the message/im,
  /^-+ ?original message/im,
  /^-+ ?the original message (was received|headers|follows)/im,
  /^-+ ?returned message/im,
  /^original message headers:/im,
  /^-+ ?message headers? follows?/im,
  /^received: from /im,
];

function reportPart(text: string): string {
  let end = text.length;
  for (const marker of COPY_MARKERS) {
    const m = marker.exec(text);
    if (m && m.index < end && m.index > 0) end = m.index;
  }
  return text.slice(0, end);
}

const DELAY_WORDS = /has not yet been delivered|delayed mail|still being retried|this is just a warning|delivery (status notification \(delay\)|incomplete|delayed)|will (continue|keep) (to )?try|will retry (for|until)|warning: message .{0,40} (delayed|still undelivered)/i;

function detectFormat(text: string): BounceFormat {
  if (/this is the qmail-send program/i.test(text)) return 'qmail';
  if (/this is the mail system at host|i'm sorry to have to inform you that your message could not/i.test(text)) return 'postfix';
  if (/this message was created automatically by mail delivery software|following address\(es\) failed/i.test(text)) return 'exim';
  if (/the following addresses had permanent fatal errors|transcript of session follows/i.test(text)) return 'sendmail';
  if (/delivery has failed to these recipients or groups|diagnostic information for administrators|remote server returned '/i.test(text)) return 'exchange';
  if (/domino directory|was not delivered to:/i.test(text)) return 'domino';
  if (/(wasn't|was not) delivered to|the response (from the remote server )?was:|address not found/i.test(text)) return 'gmail';
  return 'generic';
}

type TextRecipient = { recipient: string; diagnostic: string };

/** Lines after index `from` up to the next blank line (or a line matching `stop`), at most 20. */
function paragraph(lines: string[], from: number, stop?: RegExp): string {
  const out: string[] = [];
  for (let i = from; i < lines.length && out.length < 20; i++) {
    const line = lines[i];
    if (line.trim() === '') {
      if (out.length > 0) break;
      continue;
    }
    if (stop && stop.test(line)) break;
    out.push(line.trim());
  }
  return out.join(' ');
}

function readPlainText(text: string, ignore: Set<string>): { format: BounceFormat; recipients: TextRecipient[] } {
  const report = reportPart(text.slice(0, MAX_TEXT));
  const format = detectFormat(report);
  const lines = report.split(/\r?\n/);
  const found = new Map<string, string>();
  const add = (address: string, diagnostic: string) => {
    const recipient = addressIn(address);
    if (!recipient || ignore.has(recipient) || found.size >= MAX_RECIPIENTS) return;
    const previous = found.get(recipient);
    if (previous === undefined || (!previous && diagnostic)) found.set(recipient, diagnostic);
  };

  // Postfix, qmail, Sendmail: "<address>: diagnostic" (or "<address>" alone) then indented lines.
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*<([^<>\s]{3,254})>:?\s*(.*)$/.exec(lines[i]);
    if (!m || !ADDRESS.test(m[1])) continue;
    const rest = paragraph(lines, i + 1, /^\s*<[^<>\s]+@[^<>\s]+>/);
    add(m[1], `${m[2]} ${rest}`.trim());
  }
  // Exim: "The following address(es) failed:" then "  address" lines, each followed by indented reasons.
  const failedAt = lines.findIndex((l) => /following address(?:\(es\)|es)? (failed|had permanent fatal errors)|could not be delivered to one or more of its recipients|has not yet been delivered to the following addresses|ha(s|ve) not yet been delivered (is|are):|was not delivered to:|delivery (has )?failed to these recipients or groups|delivery to the following recipients? failed/i.test(l));
  // An address alone on its line (optionally in angle brackets, optionally followed by a comment).
  const addressLine = /^\s{0,8}<?([^\s<>()]{1,64}@[^\s<>()]{1,254})>?(?:\s+\([^)]{0,300}\))?:?\s*$/;
  if (found.size === 0 && failedAt >= 0) {
    const remote = format === 'exchange' ? /remote server returned '([^'\n]{1,1000})'/i.exec(report) : null;
    for (let i = failedAt + 1; i < lines.length; i++) {
      const m = addressLine.exec(lines[i]);
      if (!m || !ADDRESS.test(m[1])) continue;
      let diagnostic = paragraph(lines, i + 1, addressLine);
      if (/^because:?$/i.test(diagnostic)) {
        const because = lines.findIndex((l, j) => j > i && /^\s*because:?\s*$/i.test(l));
        diagnostic = paragraph(lines, because + 1, addressLine);
      }
      add(m[1], remote ? `${remote[1]} ${diagnostic}` : diagnostic);
    }
  }
  // Gmail: "wasn't delivered to address because …" and "The response (from the remote server) was:".
  if (found.size === 0) {
    const response = /the response (?:from the remote server )?was:\s*\n?([\s\S]{0,1500}?)(?:\n\s*\n|$)/i.exec(report);
    const re = /(?:wasn't|was not|couldn't be|could not be) delivered to\s+<?([^\s<>]{3,254}@[^\s<>]{1,254}?)>?[\s.,]/gi;
    for (let m = re.exec(report); m; m = re.exec(report)) {
      const sentence = report.slice(m.index, m.index + 400).split(/\n\s*\n/)[0];
      add(m[1], `${response ? response[1] : ''} ${sentence}`.trim());
      if (found.size >= MAX_RECIPIENTS) break;
    }
  }
  // Exchange: "Remote Server returned '…'" names no address on the same line; take the addresses around it.
  if (found.size === 0) {
    const remote = /remote server returned '([^'\n]{1,1000})'/i.exec(report);
    if (remote) {
      ADDRESS_G.lastIndex = 0;
      for (let m = ADDRESS_G.exec(report); m; m = ADDRESS_G.exec(report)) add(m[0], remote[1]);
    }
  }
  // Generic: the first SMTP reply in the text, for the addresses named in the report.
  if (found.size === 0) {
    const reply = /(?:^|\s)([45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3}\s)?[^\n]{3,400})/m.exec(report);
    const phrase = /(user unknown|no such user|mailbox (is )?(full|unavailable)|does not exist|unknown user|over quota|host unknown|no such domain)[^\n]{0,200}/i.exec(report);
    const diagnostic = reply ? reply[1] : phrase ? phrase[0] : '';
    if (diagnostic) {
      ADDRESS_G.lastIndex = 0;
      for (let m = ADDRESS_G.exec(report); m && found.size < 20; m = ADDRESS_G.exec(report)) add(m[0], diagnostic);
    }
  }
  return { format, recipients: [...found].map(([recipient, diagnostic]) => ({ recipient, diagnostic })) };
}

/** The header block at the start of `text` (up to the first blank line), unfolded, bounded. */
function headerBlock(text: string): Map<string, string> {
  const end = text.search(/\r?\n\r?\n/);
  return parseDeliveryStatusFields(text.slice(0, end < 0 ? Math.min(text.length, 64 * 1024) : Math.min(end, 64 * 1024)))[0] ?? new Map();
}

/**
 * The returned message's headers: the first Message-ID (and its neighbours) after the bounce's
 * own header block, wherever the copy sits (message/rfc822, text/rfc822-headers or inline text).
 */
function returnedHeaders(raw: string): Map<string, string> {
  const topEnd = raw.search(/\r?\n\r?\n/);
  const rest = raw.slice(topEnd < 0 ? raw.length : topEnd, MAX_SCAN);
  const at = rest.search(/^message-id:/im);
  if (at < 0) return new Map();
  // Back up to the start of that header block: the previous blank line.
  const before = rest.slice(Math.max(0, at - 32 * 1024), at);
  const blank = Math.max(before.lastIndexOf('\n\n'), before.lastIndexOf('\r\n\r\n'));
  const start = blank < 0 ? Math.max(0, at - 32 * 1024) : at - before.length + blank;
  return headerBlock(rest.slice(start).replace(/^\s+/, ''));
}

function messageIdOf(value: string | undefined): string {
  const v = (value ?? '').trim();
  const angle = /<([^<>\s]{1,900})>/.exec(v);
  return clip(angle ? angle[1] : v.split(/\s/)[0] ?? '');
}

function findOriginal(raw: string, top: Map<string, string>, parts: { headers: string }, options: ReadBounceOptions): OriginalMessage {
  const returned = parts.headers ? headerBlock(parts.headers) : returnedHeaders(raw);
  let sealpost: { messageId: string; recipientIndex: number | null } | null = null;
  if (options.returnPath) {
    const candidates = [options.envelopeRecipient ?? '', top.get('delivered-to') ?? '', top.get('x-original-to') ?? '', top.get('to') ?? '', returned.get('return-path') ?? ''];
    for (const candidate of candidates) {
      ADDRESS_G.lastIndex = 0;
      for (let m = ADDRESS_G.exec(candidate); m && !sealpost; m = ADDRESS_G.exec(candidate)) {
        sealpost = parseReturnPath(m[0], options.returnPath);
      }
      if (sealpost) break;
    }
  }
  return {
    sealpostMessageId: sealpost?.messageId ?? null,
    recipientIndex: sealpost?.recipientIndex ?? null,
    messageId: messageIdOf(returned.get('message-id')),
    from: addressIn(returned.get('from') ?? ''),
    to: addressIn(returned.get('to') ?? ''),
    subject: clip(returned.get('subject') ?? '', 300),
  };
}

function countParts(raw: string): number {
  let count = 0;
  for (let i = raw.indexOf('\n--'); i >= 0 && count <= MAX_PARTS; i = raw.indexOf('\n--', i + 3)) count++;
  return count;
}

/**
 * Reads a raw bounce. Never throws: anything it cannot read is `{ kind: 'unparsed', reason }`.
 */
export async function readBounce(raw: Uint8Array, options: ReadBounceOptions = {}): Promise<ReadBounceResult> {
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const latin = buffer.toString('latin1', 0, Math.min(buffer.length, MAX_SCAN));
  const top = headerBlock(latin);
  const bounceMessageId = messageIdOf(top.get('message-id'));
  if (buffer.length === 0 || top.size === 0) return { kind: 'unparsed', reason: 'The message has no header section.', bounceMessageId };
  if (countParts(latin) > MAX_PARTS) return { kind: 'unparsed', reason: `The message has more than ${MAX_PARTS} MIME boundaries; a bounce has a handful.`, bounceMessageId };

  let mail: ParsedMail;
  try {
    mail = await simpleParser(buffer, {
      keepDeliveryStatus: true,
      skipImageLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      maxHtmlLengthToParse: 1024 * 1024,
    });
  } catch (e) {
    return { kind: 'unparsed', reason: `The message is not valid MIME: ${clip(e instanceof Error ? e.message : String(e), 200)}`, bounceMessageId };
  }

  let dsnText = '';
  let feedbackText = '';
  let returnedHeaderText = '';
  for (const attachment of mail.attachments) {
    const type = attachment.contentType.toLowerCase();
    const content = attachment.content.subarray(0, MAX_TEXT).toString('utf8');
    if (type === 'message/delivery-status' || type === 'message/global-delivery-status') dsnText ||= content;
    else if (type === 'message/feedback-report') feedbackText ||= content;
    else if (type === 'text/rfc822-headers' || type === 'message/rfc822-headers' || type === 'message/global-headers') returnedHeaderText ||= content;
  }
  const original = findOriginal(latin, top, { headers: returnedHeaderText }, options);
  const dateHeader = mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null;

  if (feedbackText) {
    const [fields] = parseDeliveryStatusFields(feedbackText);
    const feedbackType = clip(fields?.get('feedback-type') ?? 'abuse', 40).toLowerCase();
    const rcpt = addressIn(fields?.get('original-rcpt-to') ?? '') || original.to;
    const arrival = fields?.get('arrival-date') ? new Date(fields.get('arrival-date') ?? '') : null;
    const sender = addressIn(fields?.get('original-mail-from') ?? '');
    if (!rcpt) return { kind: 'unparsed', reason: 'A feedback report that names no recipient (no Original-Rcpt-To and no To in the returned message).', bounceMessageId };
    return {
      kind: 'complaint',
      feedbackType,
      reportingMta: clip(typedValue(fields?.get('reporting-mta')) || fields?.get('user-agent') || '', 255),
      bounceMessageId,
      arrivalDate: arrival && !Number.isNaN(arrival.getTime()) ? arrival : dateHeader,
      original: { ...original, from: original.from || sender },
      recipients: [{ recipient: rcpt, diagnostic: clip(`Feedback report (${feedbackType}) from ${fields?.get('user-agent') ?? 'the mailbox provider'}: the recipient marked the message as spam.`, MAX_DIAGNOSTIC) }],
    };
  }

  if (dsnText) {
    const dsn = readDsn(dsnText);
    if (dsn.recipients.length > 0) {
      return {
        kind: 'bounce',
        format: 'rfc3464',
        reportingMta: dsn.reportingMta,
        bounceMessageId,
        arrivalDate: dsn.arrivalDate ?? dateHeader,
        original: { ...original, messageId: original.messageId || dsn.envelopeId },
        recipients: dsn.recipients,
      };
    }
  }

  const text = mail.text ?? '';
  if (!text.trim()) return { kind: 'unparsed', reason: dsnText ? 'The delivery status report names no recipient.' : 'The message has no text to read and no delivery status report.', bounceMessageId };
  const ignore = new Set([original.from, addressIn(top.get('from') ?? ''), addressIn(top.get('to') ?? '')].filter(Boolean));
  const plain = readPlainText(text, ignore);
  if (plain.recipients.length === 0) {
    return { kind: 'unparsed', reason: 'No failed recipient was found: the message is not a delivery status report and matches no known bounce format.', bounceMessageId };
  }
  const delayed = DELAY_WORDS.test(`${mail.subject ?? ''}\n${text.slice(0, 4000)}`);
  const reportingMta = clip(/(?:this is the mail system at host|qmail-send program at|generating server:|reporting-mta:\s*dns;)\s*([a-z0-9.-]+)/i.exec(text)?.[1] ?? '', 255);
  return {
    kind: 'bounce',
    format: plain.format,
    reportingMta,
    bounceMessageId,
    arrivalDate: dateHeader,
    original,
    recipients: plain.recipients.map((r) => result(r.recipient, delayed ? 'delayed' : 'failed', '', r.diagnostic, '')),
  };
}
