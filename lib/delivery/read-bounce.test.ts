import { describe, expect, it } from 'vitest';
import { returnPathFor } from '@/lib/mailflow/outbound/return-path';
import * as F from './fixtures/raw-bounces';
import { parseDeliveryStatusFields, readBounce } from './read-bounce';

const read = (text: string, options = {}) => readBounce(Buffer.from(text, 'utf8'), options);

type Expect = { format: string; recipients: [string, string, string, 'hard' | 'soft' | null][]; messageId?: string };

const CASES: [string, string, Expect][] = [
  ['RFC 3464 multipart/report (Postfix)', F.rfc3464Bounce(), { format: 'rfc3464', recipients: [['ana@example.net', 'failed', 'user_unknown', 'hard']], messageId: 'orig-1234@sender.example' }],
  ['RFC 3464 with text/rfc822-headers', F.rfc3464Bounce({ headersOnly: true }), { format: 'rfc3464', recipients: [['ana@example.net', 'failed', 'user_unknown', 'hard']], messageId: 'orig-1234@sender.example' }],
  [
    'RFC 3464, several recipients, a delay among them',
    F.rfc3464Bounce({
      recipients: [
        { address: 'a@example.net', status: '5.2.2', diagnostic: 'smtp; 552 5.2.2 Mailbox full' },
        { address: 'b@example.net', status: '4.4.1', action: 'delayed', diagnostic: 'X-Postfix; connect to mx.example.net[192.0.2.1]:25: Connection timed out' },
        { address: 'c@example.net', status: '4.4.7', diagnostic: 'X-Postfix; delivery temporarily suspended: connect to mx.example.net: Connection timed out' },
      ],
    }),
    { format: 'rfc3464', recipients: [['a@example.net', 'failed', 'mailbox_full', 'soft'], ['b@example.net', 'delayed', 'network_error', 'soft'], ['c@example.net', 'failed', 'expired', 'soft']] },
  ],
  ['Postfix plain text', F.POSTFIX_TEXT, { format: 'postfix', recipients: [['bob@example.org', 'failed', 'mailbox_full', 'soft'], ['carl@example.org', 'failed', 'user_unknown', 'hard']], messageId: 'orig-1234@sender.example' }],
  ['qmail', F.QMAIL_TEXT, { format: 'qmail', recipients: [['dora@example.com', 'failed', 'user_unknown', 'hard'], ['emil@nodomain.example', 'failed', 'host_unknown', 'hard']], messageId: 'orig-1234@sender.example' }],
  ['Exim', F.EXIM_TEXT, { format: 'exim', recipients: [['fay@example.com', 'failed', 'spam_blocked', 'soft'], ['gus@example.com', 'failed', 'expired', 'soft']] }],
  ['Exim delay warning', F.EXIM_DELAY_TEXT, { format: 'exim', recipients: [['hana@example.com', 'delayed', 'network_error', 'soft']] }],
  ['Sendmail', F.SENDMAIL_TEXT, { format: 'sendmail', recipients: [['ivan@example.com', 'failed', 'user_unknown', 'hard']] }],
  ['Exchange / Office 365 text', F.EXCHANGE_TEXT, { format: 'exchange', recipients: [['jana@example.com', 'failed', 'user_unknown', 'hard']], messageId: 'orig-ex@sender.example' }],
  ['Gmail', F.GMAIL_TEXT, { format: 'gmail', recipients: [['kim@example.com', 'failed', 'user_unknown', 'hard']] }],
  ['Domino', F.DOMINO_TEXT, { format: 'domino', recipients: [['lena@example.com', 'failed', 'user_unknown', 'hard']] }],
];

describe('readBounce: formats', () => {
  it.each(CASES)('%s', async (_name, raw, expected) => {
    const result = await read(raw);
    expect(result.kind).toBe('bounce');
    if (result.kind !== 'bounce') return;
    expect(result.format).toBe(expected.format);
    expect(result.recipients.map((r) => [r.recipient, r.action, r.classification.reason, r.classification.class])).toEqual(expected.recipients);
    if (expected.messageId) expect(result.original.messageId).toBe(expected.messageId);
    for (const r of result.recipients) expect(r.diagnostic.length).toBeLessThanOrEqual(2000);
  });

  it('reads the Status with its comment and the SMTP code out of Diagnostic-Code', async () => {
    const result = await read(F.rfc3464Bounce());
    if (result.kind !== 'bounce') throw new Error(result.kind);
    expect(result.reportingMta).toBe('mx.sender.example');
    expect(result.recipients[0]).toMatchObject({ status: '5.1.1', smtpCode: 550, remoteMta: 'mx.example.net' });
    expect(result.recipients[0].diagnostic).toMatch(/^550 5\.1\.1 <ana@example\.net>: Recipient address rejected/);
  });

  it('folds continuation lines and keeps the first value of a repeated field', () => {
    const [perMessage, recipient] = parseDeliveryStatusFields('Reporting-MTA: dns; a.example\n\nFinal-Recipient: rfc822; x@example.com\nDiagnostic-Code: smtp; 550 5.1.1\n  user unknown\nStatus: 5.1.1\nStatus: 4.0.0\n');
    expect(perMessage.get('reporting-mta')).toBe('dns; a.example');
    expect(recipient.get('diagnostic-code')).toBe('smtp; 550 5.1.1 user unknown');
    expect(recipient.get('status')).toBe('5.1.1');
  });

  it("finds Sealpost's message through the signed return path (VERP), and not through a forged one", async () => {
    const key = 'test-return-path-key';
    const messageId = '0b7e7f5e-6f5d-4c1e-9a51-2d5c3b1f4a10';
    const returnPath = returnPathFor({ messageId, recipientIndex: 2, bounceDomain: 'bounces.sealpost.example', key });
    const options = { returnPath: { bounceDomain: 'bounces.sealpost.example', key } };
    const good = await read(F.rfc3464Bounce({ returnPath }), options);
    expect(good.kind === 'bounce' && good.original).toMatchObject({ sealpostMessageId: messageId, recipientIndex: 2 });
    const forged = await read(F.rfc3464Bounce({ returnPath: returnPath.replace(/-[0-9a-f]{16}@/, '-0000000000000000@') }), options);
    expect(forged.kind === 'bounce' && forged.original.sealpostMessageId).toBeNull();
    const envelope = await read(F.rfc3464Bounce(), { ...options, envelopeRecipient: returnPath });
    expect(envelope.kind === 'bounce' && envelope.original.sealpostMessageId).toBe(messageId);
  });
});

describe('readBounce: feedback reports (ARF)', () => {
  it('reads an abuse report as a complaint about the original recipient', async () => {
    const result = await read(F.ARF_REPORT);
    expect(result.kind).toBe('complaint');
    if (result.kind !== 'complaint') return;
    expect(result.feedbackType).toBe('abuse');
    expect(result.recipients.map((r) => r.recipient)).toEqual(['mona@example.com']);
    expect(result.original).toMatchObject({ messageId: 'orig-1234@sender.example', from: 'notify@sender.example' });
    expect(result.reportingMta).toBe('mail.hotmail.example');
  });
});

describe('readBounce: what it cannot read', () => {
  it.each([
    ['an ordinary message', F.NOT_A_BOUNCE, /No failed recipient/],
    ['no header section at all', 'just some words without headers', /header/],
    ['an empty body', '', /header/],
    ['a report whose recipients have no address', F.rfc3464Bounce({ recipients: [{ address: 'nobody', status: '5.1.1', diagnostic: 'smtp; 550 x' }] }).replace(/ana@example\.net/g, 'nobody'), /No failed recipient|names no recipient/],
  ])('%s is unparsed with a reason, never an exception', async (_n, raw, reason) => {
    const result = await read(raw);
    expect(result.kind).toBe('unparsed');
    if (result.kind === 'unparsed') expect(result.reason).toMatch(reason);
  });

  it('reads a 5 MB bounce (a large original attached) in one pass', async () => {
    const big = F.rfc3464Bounce().replace('Hello Ana, you have a new secure message.', `${'A'.repeat(76)}\r\n`.repeat(68_000));
    expect(big.length).toBeGreaterThan(5_000_000);
    const result = await read(big);
    expect(result.kind).toBe('bounce');
  });

  it('refuses pathological MIME quickly: thousands of boundaries, deep nesting, one endless header line', async () => {
    let nested = 'From: a@example.com\r\nMessage-ID: <deep@example.com>\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n';
    for (let i = 1; i < 2000; i++) nested += `--b${i - 1}\r\nContent-Type: multipart/mixed; boundary="b${i}"\r\n\r\n`;
    const deep = await read(nested);
    expect(deep.kind).toBe('unparsed');

    const manyParts = `From: a@example.com\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n${'--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n'.repeat(50_000)}--x--\r\n`;
    const many = await read(manyParts);
    expect(many.kind).toBe('unparsed');

    const longHeader = `From: a@example.com\r\nSubject: ${'x'.repeat(5_000_000)}\r\n\r\nbody\r\n`;
    const long = await read(longHeader);
    expect(long.kind).toBe('unparsed');

    const noNewlines = await read('<'.repeat(5_000_000));
    expect(noNewlines.kind).toBe('unparsed');
  });

  it('clips a giant diagnostic to 2,000 characters', async () => {
    const raw = F.rfc3464Bounce({ recipients: [{ address: 'x@example.net', status: '5.2.2', diagnostic: `smtp; 552 5.2.2 Mailbox full ${'y'.repeat(100_000)}` }] });
    const result = await read(raw);
    if (result.kind !== 'bounce') throw new Error(result.kind);
    expect(result.recipients[0].diagnostic.length).toBeLessThanOrEqual(2000);
    expect(result.recipients[0].classification.reason).toBe('mailbox_full');
  });
});
