import { processResendWebhook } from '@/lib/delivery/resend-webhook';
import { jsonError, machineRoute, readBodyLimited } from '@/lib/http/route';
import { env } from '@/lib/env';

export const dynamic = 'force-dynamic';

/** Resend's email events are a few kilobytes; the cap keeps an unauthenticated sender from filling memory. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Resend's webhook endpoint (delivery events of our own notification mail). No session:
 * the Svix signature authenticates the sender. Answers 200 for every verified delivery (replays
 * and mail we do not know included, so Resend stops retrying), 400 for a missing, bad or stale
 * signature, 404 when RESEND_WEBHOOK_SECRET is not set, and 500 only when the database fails, so
 * that Resend delivers again later.
 */
export const POST = machineRoute(['/api/webhooks/resend', 'POST'], async (request) => {
  if (!env().RESEND_WEBHOOK_SECRET) return jsonError('not_found', 'Not found.', 404);
  const raw = await readBodyLimited(request, MAX_BODY_BYTES);
  if (!raw) return jsonError('invalid_input', 'The request body is too large.', 413);
  const result = await processResendWebhook(raw, request.headers);
  if (result.status !== 200) return jsonError(result.status === 404 ? 'not_found' : 'invalid_input', result.message, result.status);
  return Response.json({ received: true }, { headers: { 'Cache-Control': 'no-store' } });
});
