import { isIP } from 'node:net';

/**
 * Client IP ranges of a connector (CIDR, IPv4 and IPv6). Pure. PostgreSQL does the matching
 * (`inet <<= inet`), so this only validates and normalises what administrators type.
 */
export type ParsedRange = { range: string } | { error: string };

export const MAX_RANGES = 50;

/** "192.0.2.0/24", "2001:db8::/32", or a single address (which becomes /32 or /128). */
export function parseRange(raw: string): ParsedRange {
  const text = raw.trim();
  if (text === '') return { error: 'Enter an address or a range.' };
  const [address, prefix, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return { error: `${text} is not an IP address or CIDR range (e.g. 192.0.2.0/24 or 2001:db8::/32).` };
  const max = family === 4 ? 32 : 128;
  if (prefix === undefined) return { range: `${address.toLowerCase()}/${max}` };
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return { error: `${text}: the prefix length must be 0 to ${max}.` };
  // 0.0.0.0/0 or ::/0 would recognise the whole internet as the organisation's mail server.
  if (Number(prefix) < (family === 4 ? 8 : 16)) return { error: `${text} is too wide: use at least /${family === 4 ? 8 : 16}.` };
  return { range: `${address.toLowerCase()}/${Number(prefix)}` };
}

/** Ranges from a text area (one per line, or separated by commas or spaces), deduplicated. */
export function parseRanges(text: string): { ranges: string[]; errors: string[] } {
  const ranges: string[] = [];
  const errors: string[] = [];
  for (const part of text.split(/[\s,;]+/).filter(Boolean)) {
    const parsed = parseRange(part);
    if ('error' in parsed) errors.push(parsed.error);
    else if (!ranges.includes(parsed.range)) ranges.push(parsed.range);
  }
  if (ranges.length > MAX_RANGES) errors.push(`At most ${MAX_RANGES} ranges per connector.`);
  return { ranges, errors };
}

/** The client's address as PostgreSQL's inet reads it: IPv4-mapped IPv6 (::ffff:192.0.2.1) as plain IPv4. */
export function normaliseClientAddress(address: string): string | null {
  const bare = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return isIP(bare) ? bare : null;
}
