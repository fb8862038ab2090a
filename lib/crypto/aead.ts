import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256-GCM with associated data. A sealed value: format byte (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16). */
const FORMAT = 1;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Content that does not open: tampered with, copied from elsewhere, or under another key. */
export class SealBrokenError extends Error {
  constructor(what: string) {
    super(`The ${what} does not decrypt: it was changed, moved, or sealed under another key.`);
    this.name = 'SealBrokenError';
  }
}

export function seal(key: Buffer, plain: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.of(FORMAT), nonce, body, cipher.getAuthTag()]);
}

export function unseal(key: Buffer, sealed: Buffer, aad: Buffer, what = 'sealed value'): Buffer {
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== FORMAT) throw new SealBrokenError(what);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + NONCE_BYTES));
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new SealBrokenError(what);
  }
}

