import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseReturnPath, returnPathFor } from './return-path';

const key = 'return-path-test-key-0123456789abcdef';
const bounceDomain = 'bounces.sealpost.test';

describe('returnPathFor / parseReturnPath', () => {
  it('round-trips a message id, with and without a recipient index', () => {
    const messageId = randomUUID();
    const perMessage = returnPathFor({ messageId, bounceDomain, key });
    expect(perMessage).toMatch(/^bounce\+[0-9a-f]{32}-[0-9a-f]{16}@bounces\.sealpost\.test$/);
    expect(parseReturnPath(perMessage, { bounceDomain, key })).toEqual({ messageId, recipientIndex: null });

    const perRecipient = returnPathFor({ messageId, recipientIndex: 999_999, bounceDomain, key });
    expect(perRecipient.split('@')[0].length).toBeLessThanOrEqual(64);
    expect(parseReturnPath(perRecipient, { bounceDomain, key })).toEqual({ messageId, recipientIndex: 999_999 });
    expect(parseReturnPath(returnPathFor({ messageId, recipientIndex: 0, bounceDomain, key }), { bounceDomain, key })).toEqual({
      messageId,
      recipientIndex: 0,
    });
  });

  it('survives case changes and angle brackets added by other systems', () => {
    const messageId = randomUUID();
    const address = returnPathFor({ messageId, recipientIndex: 3, bounceDomain, key });
    expect(parseReturnPath(`<${address.toUpperCase()}>`, { bounceDomain, key })).toEqual({ messageId, recipientIndex: 3 });
  });

  it('refuses forged and altered addresses', () => {
    const messageId = randomUUID();
    const address = returnPathFor({ messageId, recipientIndex: 2, bounceDomain, key });
    const [local] = address.split('@');
    const otherMessage = randomUUID().replace(/-/g, '');
    // Another message id with this MAC, another recipient index, a flipped MAC digit.
    expect(parseReturnPath(local.replace(/^bounce\+[0-9a-f]{32}/, `bounce+${otherMessage}`) + `@${bounceDomain}`, { bounceDomain, key })).toBeNull();
    expect(parseReturnPath(address.replace('-2-', '-3-'), { bounceDomain, key })).toBeNull();
    expect(parseReturnPath(address.replace('-2-', '-02-'), { bounceDomain, key })).toBeNull();
    const flipped = local.slice(0, -1) + (local.endsWith('0') ? '1' : '0');
    expect(parseReturnPath(`${flipped}@${bounceDomain}`, { bounceDomain, key })).toBeNull();
    // Signed with another key, or sent to another domain.
    expect(parseReturnPath(returnPathFor({ messageId, bounceDomain, key: 'attacker-key' }), { bounceDomain, key })).toBeNull();
    expect(parseReturnPath(address.replace(bounceDomain, 'evil.test'), { bounceDomain, key })).toBeNull();
    // Not our shape at all.
    expect(parseReturnPath('postmaster@bounces.sealpost.test', { bounceDomain, key })).toBeNull();
    expect(parseReturnPath('no-at-sign', { bounceDomain, key })).toBeNull();
  });

  it('accepts retired keys listed after the current one', () => {
    const messageId = randomUUID();
    const old = returnPathFor({ messageId, bounceDomain, key: 'old-key' });
    expect(parseReturnPath(old, { bounceDomain, key: [key, 'old-key'] })).toEqual({ messageId, recipientIndex: null });
    expect(parseReturnPath(old, { bounceDomain, key })).toBeNull();
  });

  it('rejects ids that are not UUIDs and impossible indexes', () => {
    expect(() => returnPathFor({ messageId: '<m1@sender.test>', bounceDomain, key })).toThrow(TypeError);
    expect(() => returnPathFor({ messageId: randomUUID(), recipientIndex: -1, bounceDomain, key })).toThrow(RangeError);
    expect(() => returnPathFor({ messageId: randomUUID(), recipientIndex: 1.5, bounceDomain, key })).toThrow(RangeError);
  });
});
