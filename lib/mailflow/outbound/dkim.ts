import { generateKeyPair, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { dkimSign } from 'mailauth/lib/dkim/sign';

/**
 * DKIM (RFC 6376) for outbound mail: the keys, the DNS record that publishes one, and signing
 * with mailauth's signer. No database: the delivery job looks the key up and passes it in.
 */

export type DkimKey = { domain: string; selector: string; privateKey: string };

/** RSA key size: 2048 bits is what receivers expect today (RFC 8301 requires at least 1024). */
export const DKIM_KEY_BITS = 2048;

const generate = promisify(generateKeyPair);

/** A new RSA key pair: the private key as PKCS#8 PEM, the public key as the record's `p=` value (base64 DER SPKI). */
export async function generateDkimKeyPair(bits = DKIM_KEY_BITS): Promise<{ privateKey: string; publicKey: string; bits: number }> {
  const { privateKey, publicKey } = await generate('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKey, publicKey: Buffer.from(publicKey).toString('base64'), bits };
}

/** A selector no earlier key of the domain had: `sealpost-YYYYMM-xxxx` (a DNS label, RFC 6376 §3.1). */
export function newDkimSelector(now: Date = new Date()): string {
  const month = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  return `sealpost-${month}-${randomBytes(2).toString('hex')}`;
}

export type DkimDnsRecord = {
  /** The TXT record's name. */
  name: string;
  type: 'TXT';
  /** The record's value as one string (DNS interfaces split it into 255-character strings themselves). */
  value: string;
};

/** The TXT record that publishes a public key (RFC 6376 §3.6.1, §3.6.2.1). */
export function dkimDnsRecord(domain: string, selector: string, publicKey: string): DkimDnsRecord {
  return { name: `${selector}._domainkey.${domain}`, type: 'TXT', value: `v=DKIM1; k=rsa; p=${publicKey}` };
}

export type DkimSigned = {
  /** A fresh stream per call: the DKIM-Signature header, then the message as `message()` gives it. */
  message: () => Readable;
  /** The header lines added ('' when signing failed). */
  signature: string;
  /** Why no signature was made (the message then goes unsigned, as it would without a key). */
  error: string | null;
};

/**
 * Signs a message with mailauth's signer while streaming it: the first stream from `message()`
 * is read once to hash the body and the signed header fields (never held in memory), then every
 * stream handed out is the signature header followed by a fresh `message()` stream. The engine
 * reads that once per delivery attempt, so a 50 MB message is never buffered.
 */
export async function signDkim(message: () => Readable, key: DkimKey, options: { now?: Date } = {}): Promise<DkimSigned> {
  let signature = '';
  let error: string | null = null;
  try {
    // The signer reads the key of each entry of signatureData; the same fields at the top level
    // satisfy mailauth's option type.
    const signing = { signingDomain: key.domain, selector: key.selector, privateKey: key.privateKey };
    const result = await dkimSign(message(), {
      ...signing,
      canonicalization: 'relaxed/relaxed',
      algorithm: 'rsa-sha256',
      signTime: options.now ?? new Date(),
      signatureData: [signing],
    });
    signature = result.signatures;
    if (!signature) error = result.errors.map((e) => e.err?.message ?? String(e)).join('; ') || 'no signature was made';
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  if (!signature) return { message, signature: '', error };
  const header = Buffer.from(signature);
  return {
    signature,
    error: null,
    message: () =>
      Readable.from(
        (async function* () {
          yield header;
          const source = message();
          try {
            for await (const chunk of source) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
          } finally {
            source.destroy();
          }
        })(),
        { objectMode: false },
      ),
  };
}
