import { Readable } from 'node:stream';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { beforeAll, describe, expect, it } from 'vitest';
import { dkimDnsRecord, generateDkimKeyPair, newDkimSelector, signDkim, type DkimDnsRecord } from './dkim';

/**
 * DKIM signing with mailauth's signer, verified by mailauth's verifier against a resolver that
 * answers with the record the settings page tells the administrator to publish (no DNS).
 */
const DOMAIN = 'acme.example';
let key: Awaited<ReturnType<typeof generateDkimKeyPair>>;
let selector: string;
let record: DkimDnsRecord;

/** The record as DNS serves a long TXT value: strings of at most 255 characters. */
function resolverFor(published: DkimDnsRecord[]) {
  return async (name: string, type: string) => {
    const found = published.find((r) => r.name === name && type === 'TXT');
    if (!found) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return [found.value.match(/.{1,255}/g) ?? []];
  };
}

const MESSAGE = [
  `From: Alice Morgan <alice@${DOMAIN}>`,
  'To: Pat Rivera <pat@partner.example>',
  'Subject: Lab results',
  'Date: Mon, 07 Dec 2026 09:00:00 +0000',
  `Message-ID: <lab-results-1@${DOMAIN}>`,
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Your results are ready.',
  '',
].join('\r\n');

/** The message in small chunks, as the store streams it. */
function stream(text = MESSAGE): () => Readable {
  return () => Readable.from(Buffer.from(text).toString('binary').match(/[\s\S]{1,7}/g)?.map((c) => Buffer.from(c, 'binary')) ?? []);
}

async function read(readable: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of readable) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

beforeAll(async () => {
  key = await generateDkimKeyPair();
  selector = newDkimSelector(new Date('2026-12-07T09:00:00Z'));
  record = dkimDnsRecord(DOMAIN, selector, key.publicKey);
});

describe('DKIM keys and records', () => {
  it('makes 2048-bit RSA keys, selectors that are DNS labels, and the TXT record to publish', () => {
    expect(key.bits).toBe(2048);
    expect(key.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(selector).toMatch(/^sealpost-202612-[0-9a-f]{4}$/);
    expect(newDkimSelector()).not.toBe(newDkimSelector());
    expect(record).toEqual({ name: `${selector}._domainkey.${DOMAIN}`, type: 'TXT', value: `v=DKIM1; k=rsa; p=${key.publicKey}` });
    // A 2048-bit key's SPKI is 294 bytes: the record is longer than one TXT string.
    expect(Buffer.from(key.publicKey, 'base64').length).toBe(294);
  });
});

describe('signing while streaming', () => {
  it('a signed message verifies against the published record', async () => {
    const signed = await signDkim(stream(), { domain: DOMAIN, selector, privateKey: key.privateKey }, { now: new Date() });
    expect(signed.error).toBeNull();
    expect(signed.signature).toMatch(/^DKIM-Signature: /);
    expect(signed.signature).toContain(`d=${DOMAIN};`);
    expect(signed.signature).toContain(`s=${selector};`);
    const text = await read(signed.message());
    expect(text.startsWith(signed.signature)).toBe(true);
    expect(text.slice(signed.signature.length)).toBe(MESSAGE);
    // Each attempt gets a fresh stream with the same bytes.
    expect(await read(signed.message())).toBe(text);

    const verified = await dkimVerify(Buffer.from(text), { resolver: resolverFor([record]) });
    expect(verified.results).toHaveLength(1);
    expect(verified.results[0].status.result).toBe('pass');
    expect(verified.results[0].signingDomain).toBe(DOMAIN);
    expect(verified.results[0].selector).toBe(selector);
  });

  it('fails verification when the body changes on the way, or the record is another key', async () => {
    const signed = await signDkim(stream(), { domain: DOMAIN, selector, privateKey: key.privateKey });
    const text = await read(signed.message());
    const tampered = await dkimVerify(Buffer.from(text.replace('ready', 'late')), { resolver: resolverFor([record]) });
    // mailauth reports a body hash mismatch as "neutral" with the reason (RFC 6376 §6.3: not a pass).
    expect(tampered.results[0].status.result).not.toBe('pass');
    expect(tampered.results[0].status.comment).toMatch(/body hash/i);
    const other = await generateDkimKeyPair();
    const wrongKey = await dkimVerify(Buffer.from(text), { resolver: resolverFor([dkimDnsRecord(DOMAIN, selector, other.publicKey)]) });
    expect(wrongKey.results[0].status.result).toBe('fail');
    const unpublished = await dkimVerify(Buffer.from(text), { resolver: resolverFor([]) });
    expect(unpublished.results[0].status.result).not.toBe('pass');
  });

  it('a key that cannot sign leaves the message as it was, with the reason', async () => {
    const signed = await signDkim(stream(), { domain: DOMAIN, selector, privateKey: 'not a key' });
    expect(signed.signature).toBe('');
    expect(signed.error).toBeTruthy();
    expect(await read(signed.message())).toBe(MESSAGE);
  });
});
