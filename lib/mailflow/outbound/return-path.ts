/**
 * Per-message return paths (VERP): bounce+<message>[-<recipient index>]-<mac>@<bounce domain>.
 * A bounce arriving at such an address names the message (and recipient) it is about; the HMAC
 * makes the address unguessable, so a forged bounce for a message we never sent, or an address
 * edited to point at another message, matches nothing.
 *
 * Everything is lower-case hex and digits, because some mail systems change the case of local
 * parts. Message ids are Sealpost's UUIDs (32 hex digits without dashes), which keeps the local
 * part within RFC 5321's 64 octets.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { normaliseDomain } from './route';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const LOCAL = /^bounce\+([0-9a-f]{32})(?:-(\d{1,6}))?-([0-9a-f]{16})$/;
/** 64 bits: a forger must send about 2^63 bounces to match one message. */
const MAC_HEX = 16;

export type ReturnPathKey = string | Buffer;

function mac(key: ReturnPathKey, messageHex: string, index: number | null, domain: string): string {
  return createHmac('sha256', key)
    .update(`sealpost-return-path:v1:${messageHex}:${index ?? ''}:${domain}`)
    .digest('hex')
    .slice(0, MAC_HEX);
}

function uuidOf(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function returnPathFor(input: {
  messageId: string;
  /** Position of the recipient in the message's recipient list, for one return path per recipient. */
  recipientIndex?: number | null;
  bounceDomain: string;
  key: ReturnPathKey;
}): string {
  if (!UUID.test(input.messageId)) throw new TypeError('returnPathFor: messageId must be a UUID');
  const index = input.recipientIndex ?? null;
  if (index !== null && !(Number.isSafeInteger(index) && index >= 0 && index <= 999_999)) {
    throw new RangeError('returnPathFor: recipientIndex must be an integer from 0 to 999999');
  }
  const hex = input.messageId.replace(/-/g, '').toLowerCase();
  const domain = normaliseDomain(input.bounceDomain);
  const local = `bounce+${hex}${index === null ? '' : `-${index}`}-${mac(input.key, hex, index, domain)}`;
  return `${local}@${domain}`;
}

/**
 * The message (and recipient index) a bounce address stands for, or null when the address is not
 * one of ours: wrong domain, wrong shape, or a MAC that does not match (forged or altered).
 * `keys` may list the current key and retired ones, so bounces of mail sent before a key change
 * still match.
 */
export function parseReturnPath(
  address: string,
  options: { bounceDomain: string; key: ReturnPathKey | ReturnPathKey[] },
): { messageId: string; recipientIndex: number | null } | null {
  const at = address.lastIndexOf('@');
  if (at < 0) return null;
  const domain = normaliseDomain(address.slice(at + 1).replace(/>$/, ''));
  if (domain !== normaliseDomain(options.bounceDomain)) return null;
  const match = LOCAL.exec(address.slice(0, at).replace(/^</, '').toLowerCase());
  if (!match) return null;
  const [, hex, indexText, given] = match;
  const index = indexText === undefined ? null : Number(indexText);
  if (indexText !== undefined && indexText !== String(index)) return null; // no leading zeros: one address per index
  const keys = Array.isArray(options.key) ? options.key : [options.key];
  const matches = keys.some((key) => timingSafeEqual(Buffer.from(mac(key, hex, index, domain)), Buffer.from(given)));
  return matches ? { messageId: uuidOf(hex), recipientIndex: index } : null;
}
