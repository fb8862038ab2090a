import { describe, expect, it } from 'vitest';
import { clientAddressFrom, PEER_HEADER } from './client-address';

const h = (values: Record<string, string>) => new Headers(values);

describe('clientAddressFrom', () => {
  it('uses the socket peer and ignores a forged X-Forwarded-For when no proxy is trusted', () => {
    expect(clientAddressFrom(h({ [PEER_HEADER]: '203.0.113.9', 'x-forwarded-for': '1.2.3.4' }), 0)).toBe('203.0.113.9');
  });
  it('unwraps IPv4-mapped IPv6', () => {
    expect(clientAddressFrom(h({ [PEER_HEADER]: '::ffff:127.0.0.1' }), 0)).toBe('127.0.0.1');
  });
  it('takes the entry the trusted proxy appended', () => {
    // client forged "6.6.6.6"; the proxy appended the real client 198.51.100.7; peer is the proxy.
    const headers = h({ [PEER_HEADER]: '10.0.0.2', 'x-forwarded-for': '6.6.6.6, 198.51.100.7' });
    expect(clientAddressFrom(headers, 1)).toBe('198.51.100.7');
  });
  it('answers empty for garbage rather than storing it', () => {
    expect(clientAddressFrom(h({ [PEER_HEADER]: "'; drop table x" }), 0)).toBe('');
  });
});
