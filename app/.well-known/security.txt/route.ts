import { env } from '@/lib/env';
import { machineRoute } from '@/lib/http/route';

/**
 * RFC 9116's security.txt. A route rather than a file in public/: `Expires` must stay less than a
 * year ahead, so it is computed (six months from the start of the current month, stable for caches).
 */
export const GET = machineRoute(['/.well-known/security.txt', 'GET'], async () => {
  const config = env();
  const appUrl = new URL(config.APP_URL);
  const contact = config.SECURITY_CONTACT ?? `mailto:security@${appUrl.hostname}`;
  const now = new Date();
  const expires = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 6, 1));
  const body = [
    `Contact: ${contact}`,
    `Expires: ${expires.toISOString()}`,
    'Preferred-Languages: en',
    `Canonical: ${new URL('/.well-known/security.txt', appUrl).href}`,
    '',
  ].join('\n');
  return new Response(body, {
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'public, max-age=86400' },
  });
});
