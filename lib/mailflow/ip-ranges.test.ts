import { describe, expect, it } from 'vitest';
import { normaliseClientAddress, parseRange, parseRanges } from './ip-ranges';

describe('IP ranges', () => {
  it.each([
    ['192.0.2.0/24', { range: '192.0.2.0/24' }],
    ['192.0.2.7', { range: '192.0.2.7/32' }],
    ['2001:DB8::/32', { range: '2001:db8::/32' }],
    ['::1', { range: '::1/128' }],
  ])('%s', (input, expected) => expect(parseRange(input)).toEqual(expected));

  it.each(['192.0.2.0/33', '10.0.0.0/7', '::/0', 'example.com', '1.2.3.4/24/1', '1.2.3/24', '192.0.2.0/x'])('refuses %s', (input) => {
    expect(parseRange(input)).toHaveProperty('error');
  });

  it('reads a list, deduplicated, and reports each bad entry', () => {
    expect(parseRanges('192.0.2.0/24, 192.0.2.0/24\nbad 2001:db8::/48')).toEqual({ ranges: ['192.0.2.0/24', '2001:db8::/48'], errors: [expect.stringContaining('bad')] });
  });

  it('reads IPv4-mapped IPv6 client addresses as IPv4', () => {
    expect(normaliseClientAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseClientAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(normaliseClientAddress('nonsense')).toBeNull();
  });
});
