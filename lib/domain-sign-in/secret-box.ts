import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '@/lib/errors/app-error';
import { env } from '@/lib/env';

/**
 * Encrypts secrets at rest (an identity provider's client secret) with AES-256-GCM under a key
 * derived from AUTH_SECRET by HKDF. A new AUTH_SECRET makes stored secrets unreadable: the
 * administrator enters the client secret again.
 */
const VERSION = 'v1';

function key(): Buffer {
  const secret = env().AUTH_SECRET;
  if (!secret) throw new AppError('unavailable', 'The server has no AUTH_SECRET, so it cannot store secrets.');
  return Buffer.from(hkdfSync('sha256', secret, 'sealpost', 'identity-provider-client-secret', 32));
}

export function sealSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function openSecret(sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || body === undefined) throw new AppError('unavailable', 'The stored client secret cannot be read. Enter it again.');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key(), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new AppError('unavailable', 'The stored client secret cannot be read (was AUTH_SECRET changed?). Enter it again.');
  }
}
