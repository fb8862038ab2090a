import { createHash, randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
export const RECOVERY_CODE_COUNT = 10;

export function newTotpSecret(): string {
  return generateSecret();
}

/** The otpauth:// URI an authenticator app scans, and the same as a QR code (an SVG data URL, drawn here: no outside service sees the secret). */
export async function totpProvisioning(input: { secret: string; email: string }): Promise<{ uri: string; qrDataUrl: string }> {
  const uri = generateURI({ issuer: 'Sealpost', label: input.email, secret: input.secret });
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { uri, qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}` };
}

/**
 * The time step of a code valid now or one step before or after (clock drift), or null. A step at
 * or before `afterTimeStep` (the last one accepted) is refused: a code works once.
 */
export async function totpTimeStep(input: { secret: string; code: string; now: Date; afterTimeStep: number | null }): Promise<number | null> {
  const code = input.code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({
    secret: input.secret,
    token: code,
    epoch: Math.floor(input.now.getTime() / 1000),
    epochTolerance: TOTP_PERIOD_SECONDS,
    ...(input.afterTimeStep === null ? {} : { afterTimeStep: input.afterTimeStep }),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

// No 0/O, 1/l/i: codes are read off paper.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten codes of 10 characters (about 49 bits each), shown as `xxxxx-xxxxx`. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

/** Spaces, hyphens and case do not matter when a recovery code is typed. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code), 'utf8').digest('hex');
}

export function looksLikeRecoveryCode(code: string): boolean {
  return new RegExp(`^[${RECOVERY_ALPHABET}]{10}$`).test(normaliseRecoveryCode(code));
}
