import { simpleParser, type Attachment } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { RecipientResult } from './deliver';
import { buildDsn, dsnRecipientOf } from './dsn';
import { expire } from './retry';

const ORIGINAL = [
  'From: Alice <alice@sender.test>',
  'To: Bob <bob@dest.test>, Carol <carol@dest.test>',
  'Subject: Quarterly figures',
  'Message-ID: <m1@sender.test>',
  '',
  'The body is not part of the report.',
].join('\r\n');

const result = (over: Partial<RecipientResult>): RecipientResult => ({
  recipient: 'bob@dest.test',
  outcome: 'bounced',
  remoteServer: 'mx.dest.test',
  remoteAddress: '192.0.2.1:25',
  smtpCode: 550,
  enhancedCode: '5.1.1',
  diagnostic: '550 5.1.1 <bob@dest.test>: Recipient address rejected: User unknown in virtual mailbox table (a long reply that needs folding)',
  tls: null,
  ...over,
});

/** message/delivery-status as groups of fields (unfolded), per RFC 3464 §2.1. */
function statusGroups(part: Attachment): Record<string, string>[] {
  return part.content
    .toString('utf8')
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim()
    .split(/\r?\n\r?\n/)
    .map((group) =>
      Object.fromEntries(
        group.split(/\r?\n/).map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
        }),
      ),
    );
}

describe('buildDsn', () => {
  it('builds a multipart/report that parses back with every RFC 3464 field', async () => {
    const arrival = new Date('2026-12-07T05:00:00Z');
    const now = new Date('2026-12-07T06:00:00Z');
    const until = new Date('2026-12-12T05:00:00Z');
    const dsn = await buildDsn({
      reportingMta: 'out.sealpost.test',
      returnPath: 'alice@sender.test',
      arrivalDate: arrival,
      originalHeaders: ORIGINAL,
      originalMessageId: '<m1@sender.test>',
      originalEnvelopeId: 'env-1',
      now,
      recipients: [
        dsnRecipientOf(result({}), { lastAttemptAt: now }),
        dsnRecipientOf(
          result({ recipient: 'carol@dest.test', outcome: 'deferred', smtpCode: 451, enhancedCode: '4.7.1', diagnostic: '451 4.7.1 Greylisted' }),
          { lastAttemptAt: now, willRetryUntil: until },
        ),
        dsnRecipientOf(expire(result({ recipient: 'dan@dest.test', outcome: 'deferred', smtpCode: null, enhancedCode: '4.4.1', diagnostic: 'mx.dest.test: connect ECONNREFUSED' }))),
      ],
    });
    expect(dsn?.envelope).toEqual({ from: '', to: ['alice@sender.test'] });
    const raw = dsn?.raw ?? Buffer.alloc(0);
    // RFC 5322 lines: CRLF only, none longer than 998 octets.
    expect(raw.toString('latin1').split('\r\n').every((l) => l.length <= 998 && !l.includes('\n'))).toBe(true);

    const parsed = await simpleParser(raw, { keepDeliveryStatus: true });
    expect(parsed.from?.value).toEqual([{ address: 'MAILER-DAEMON@out.sealpost.test', name: 'Mail Delivery System' }]);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0].address : null).toBe('alice@sender.test');
    expect(parsed.subject).toBe('Undelivered Mail Returned to Sender');
    expect(parsed.inReplyTo).toBe('<m1@sender.test>');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    const contentType = parsed.headers.get('content-type') as { value: string; params: Record<string, string> };
    expect(contentType.value).toBe('multipart/report');
    expect(contentType.params['report-type']).toBe('delivery-status');

    // The human part says in plain words what happened to whom.
    expect(parsed.text).toContain('could not be delivered');
    expect(parsed.text).toContain('<bob@dest.test>');
    expect(parsed.text).toContain('the recipient does not exist at that domain');
    expect(parsed.text).toContain('The server mx.dest.test said: 550 5.1.1');
    expect(parsed.text).toContain('has not been delivered yet');
    expect(parsed.text).toContain('Delivery time expired');

    const status = parsed.attachments.find((a) => a.contentType === 'message/delivery-status');
    const headers = parsed.attachments.find((a) => a.contentType === 'text/rfc822-headers');
    expect(status && headers).toBeTruthy();
    const [perMessage, bob, carol, dan] = statusGroups(status as Attachment);
    expect(perMessage).toEqual({
      'reporting-mta': 'dns; out.sealpost.test',
      'original-envelope-id': 'env-1',
      'arrival-date': 'Mon, 07 Dec 2026 05:00:00 +0000',
    });
    expect(bob).toEqual({
      'final-recipient': 'rfc822; bob@dest.test',
      action: 'failed',
      status: '5.1.1',
      'remote-mta': 'dns; mx.dest.test',
      'diagnostic-code': 'smtp; 550 5.1.1 <bob@dest.test>: Recipient address rejected: User unknown in virtual mailbox table (a long reply that needs folding)',
      'last-attempt-date': 'Mon, 07 Dec 2026 06:00:00 +0000',
    });
    expect(carol).toMatchObject({ action: 'delayed', status: '4.7.1', 'will-retry-until': 'Sat, 12 Dec 2026 05:00:00 +0000' });
    expect(dan).toMatchObject({ action: 'failed', status: '4.4.7' });
    expect(dan['diagnostic-code']).toMatch(/^X-Sealpost; Delivery time expired: .*ECONNREFUSED/);

    const original = (headers as Attachment).content.toString('utf8');
    expect(original).toContain('Subject: Quarterly figures');
    expect(original).toContain('Message-ID: <m1@sender.test>');
    expect(original).not.toContain('The body is not part of the report');
  });

  it('says "delayed" in the subject when nothing failed yet, and sends no DSN about a DSN', async () => {
    const delayed = dsnRecipientOf(result({ outcome: 'deferred', smtpCode: 421, enhancedCode: '', diagnostic: '421 Try later' }));
    expect(delayed.status).toBe('4.0.0');
    const dsn = await buildDsn({ reportingMta: 'out.sealpost.test', returnPath: 'alice@sender.test', arrivalDate: new Date(), originalHeaders: ORIGINAL, recipients: [delayed] });
    expect((await simpleParser(dsn?.raw ?? '')).subject).toBe('Delayed Mail (still being retried)');
    expect(await buildDsn({ reportingMta: 'out.sealpost.test', returnPath: '', arrivalDate: new Date(), originalHeaders: ORIGINAL, recipients: [delayed] })).toBeNull();
    expect(() => dsnRecipientOf(result({ outcome: 'delivered' }))).toThrow();
  });

  it('keeps CR/LF and 8-bit text out of the delivery-status fields', async () => {
    const dsn = await buildDsn({
      reportingMta: 'out.sealpost.test',
      returnPath: 'alice@sender.test',
      arrivalDate: new Date(),
      originalHeaders: ORIGINAL,
      recipients: [dsnRecipientOf(result({ diagnostic: '550 5.7.1 Refusé\r\nInjected-Field: yes' }))],
    });
    const status = (await simpleParser(dsn?.raw ?? '', { keepDeliveryStatus: true })).attachments.find((a) => a.contentType === 'message/delivery-status');
    const groups = statusGroups(status as Attachment);
    expect(groups[1]['diagnostic-code']).toBe('smtp; 550 5.7.1 Refus? Injected-Field: yes');
    expect(groups[1]['injected-field']).toBeUndefined();
  });
});
