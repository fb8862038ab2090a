import { connection } from 'next/server';
import { getDb } from '@/db/client';
import { machineRoute } from '@/lib/http/route';
import { getLogo } from '@/lib/organisations/branding';

/**
 * An organisation's logo, public like a letterhead: the portal's sign-in page and notification
 * emails show it to people who are not signed in. Only PNG and JPEG are ever stored (checked by
 * their bytes), served with nosniff and a sandbox CSP; a new logo has a new address (`?v=`).
 */
export const GET = machineRoute<{ orgId: string }>(['/branding/[orgId]/logo', 'GET'], async (_request, { params }) => {
  await connection();
  const logo = await getLogo(getDb(), params.orgId);
  if (!logo) return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
  return new Response(new Uint8Array(logo.bytes), {
    headers: {
      'Content-Type': logo.contentType,
      'Content-Length': String(logo.bytes.length),
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cross-Origin-Resource-Policy': 'cross-origin',
    },
  });
});
