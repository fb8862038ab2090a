import { describe, expect, it } from 'vitest';
import { parseReply, statusOf } from './reply';

describe('parseReply', () => {
  it.each([
    ['250 2.0.0 Ok: queued as 4Xyz', { code: 250, enhancedCode: '2.0.0', text: 'Ok: queued as 4Xyz' }],
    ['550 5.1.1 <bob@dest.test>: User unknown', { code: 550, enhancedCode: '5.1.1', text: '<bob@dest.test>: User unknown' }],
    ['451 Try again later', { code: 451, enhancedCode: '', text: 'Try again later' }],
    ['550-5.7.1 Blocked\r\n550-5.7.1 by policy\r\n550 5.7.1 see https://x.test', { code: 550, enhancedCode: '5.7.1', text: 'Blocked by policy see https://x.test' }],
    // An enhanced code of another class than the reply is not one (RFC 3463 §2).
    ['550 4.2.2 mailbox full', { code: 550, enhancedCode: '', text: '4.2.2 mailbox full' }],
    ['421', { code: 421, enhancedCode: '', text: '' }],
  ])('%j', (raw, expected) => {
    expect(parseReply(raw)).toMatchObject(expected);
  });

  it('gives one line for the DSN and null for text that is no reply', () => {
    expect(parseReply('550-5.7.1 Blocked\n550 5.7.1 by policy')?.line).toBe('550 5.7.1 Blocked by policy');
    expect(parseReply('connect ECONNREFUSED 127.0.0.1:25')).toBeNull();
    expect(parseReply('')).toBeNull();
  });

  it('derives a status when the server sent no enhanced code', () => {
    expect(statusOf(550, '', '5.0.0')).toBe('5.0.0');
    expect(statusOf(452, '', '5.0.0')).toBe('4.0.0');
    expect(statusOf(452, '4.2.2', '5.0.0')).toBe('4.2.2');
    expect(statusOf(null, '', '4.4.1')).toBe('4.4.1');
  });
});
