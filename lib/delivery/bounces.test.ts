import { describe, expect, it } from 'vitest';
import { explainBounce } from './bounces';

const explain = (enhancedCode: string, smtpCode: number | null = null, bounceClass: 'hard' | 'soft' | null = null) =>
  explainBounce({ smtpCode, enhancedCode, bounceClass });

describe('explainBounce', () => {
  it.each([
    ['5.1.1', /^Permanent failure.*Bad destination mailbox address/],
    ['5.1.2', /domain does not exist/],
    ['5.1.3', /malformed/],
    ['5.1.10', /null MX/],
    ['5.2.1', /Mailbox disabled/],
    ['5.2.2', /^Permanent failure.*Mailbox full/],
    ['4.2.2', /^Temporary failure.*retried.*Mailbox full/],
    ['5.2.3', /exceeds/],
    ['5.3.4', /too big/],
    ['4.3.2', /not accepting network messages/],
    ['4.4.1', /^Temporary failure.*No answer from host/],
    ['4.4.2', /Bad connection/],
    ['5.4.4', /Unable to route/],
    ['4.4.7', /Delivery time expired/],
    ['5.7.1', /Delivery not authorized, message refused/],
    ['4.7.0', /^Temporary failure.*security or policy/],
    ['5.7.23', /SPF/],
    ['5.7.26', /DMARC/],
    ['5.5.2', /Syntax error/],
  ])('%s', (code, expected) => {
    expect(explain(code)).toMatch(expected);
  });

  it('falls back to the subject, then the class, then the SMTP code', () => {
    expect(explain('5.1.99')).toBe('Permanent failure; it will not be retried. A problem with an address (the recipient or the sender).');
    expect(explain('4.9.9')).toMatch(/^Temporary failure.*unrecognised status/);
    expect(explain('2.0.0', 250)).toMatch(/^Delivered/);
    expect(explain('', 550, 'hard')).toMatch(/^Permanent failure \(hard bounce\)\. The recipient’s mailbox is unavailable/);
    expect(explain('', 452)).toMatch(/^Temporary failure.*insufficient storage/);
    expect(explain('', 599)).toMatch(/SMTP code 599/);
    expect(explain('', null, 'soft')).toMatch(/^Temporary failure \(soft bounce\)\. The remote server gave no status code/);
    expect(explain('', null, null)).toBe('No status code was reported.');
    expect(explain('garbage', null, null)).toBe('No status code was reported.');
  });
});
