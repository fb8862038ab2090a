import { describe, expect, it } from 'vitest';
import { addPasskeySchema, passkeyAssertionSchema, passkeyCredentials } from './passkey-schemas';

const challengeId = '5f0c6a3e-1b2c-4d5e-8f90-123456789abc';
const assertion = (signature: string) => ({
  id: 'W_H0ohQafzhXB',
  rawId: 'W_H0ohQafzhXB',
  type: 'public-key',
  authenticatorAttachment: 'cross-platform',
  clientExtensionResults: { credProps: { rk: true } },
  response: { clientDataJSON: 'eyJ0', authenticatorData: 'SZYN', signature, userHandle: 'AAAA' },
});

describe('passkey answers from the browser', () => {
  it('accepts an ML-DSA-44 signature (2,420 bytes, as Chromium makes by default) and drops extension results', () => {
    const parsed = passkeyAssertionSchema.parse({ challengeId, response: assertion('A'.repeat(3227)) });
    expect(parsed.response.clientExtensionResults).toEqual({});
  });

  it('refuses what is not base64url, and a response that is not JSON', () => {
    expect(passkeyAssertionSchema.safeParse({ challengeId, response: assertion('not base64url!') }).success).toBe(false);
    expect(passkeyCredentials.safeParse({ challengeId, response: '{not json' }).success).toBe(false);
    expect(passkeyCredentials.parse({ challengeId, response: JSON.stringify(assertion('MEUC')) }).response.id).toBe('W_H0ohQafzhXB');
  });

  it('keeps the transports it knows and drops the others', () => {
    const parsed = addPasskeySchema.parse({
      challengeId,
      name: ' YubiKey ',
      response: { id: 'AAAA', rawId: 'AAAA', type: 'public-key', clientExtensionResults: {}, response: { clientDataJSON: 'AAAA', attestationObject: 'AAAA', transports: ['usb', 'nfc', 'quantum-entanglement'] } },
    });
    expect(parsed.name).toBe('YubiKey');
    expect(parsed.response.response.transports).toEqual(['usb', 'nfc']);
  });
});
