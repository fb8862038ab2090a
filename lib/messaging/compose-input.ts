/**
 * What the composer makes of what is typed (pure, shared by its components and tests): recipient
 * addresses as chips, and link addresses the body sanitiser keeps (lib/messaging/sanitize.ts).
 */

/** The shape an address must have before Send; the server checks it again (zod), and who may be written to. */
const ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\.]{2,}$/;

export function isAddress(value: string): boolean {
  return value.length <= 254 && ADDRESS.test(value);
}

/** Addresses typed or pasted, split at commas, semicolons and white space; `<…>` keeps the address; lower case. */
export function splitAddresses(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((s) => s.trim().replace(/^<(.*)>$/, '$1').toLowerCase())
    .filter(Boolean);
}

/** What a recipient field says about the addresses in it that are not email addresses; null when all are. */
export function badAddressMessage(addresses: string[]): string | null {
  const bad = addresses.filter((a) => !isAddress(a));
  if (bad.length === 0) return null;
  return bad.length === 1
    ? `“${bad[0]}” is not a valid email address. Correct it or remove it.`
    : `${bad.map((b) => `“${b}”`).join(', ')} are not valid email addresses. Correct them or remove them.`;
}

/**
 * A link's address as the sanitiser keeps it: http(s) or mailto; `https://` is added to a bare
 * host and `mailto:` to a bare email address. Null for anything else (javascript:, data:, …).
 */
export function linkHref(raw: string): string | null {
  const value = raw.trim();
  if (!value) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:/i.test(value) ? value : value.includes('@') && !value.includes('/') ? `mailto:${value}` : `https://${value}`;
  try {
    const url = new URL(withScheme);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}
