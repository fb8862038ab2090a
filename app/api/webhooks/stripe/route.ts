import { processStripeWebhook } from '@/lib/billing/stripe-payments';
import { stripeConfig } from '@/lib/billing/stripe-config';
import { jsonError, machineRoute, readBodyLimited } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** Payment intent events are a few kilobytes; the cap keeps an unauthenticated sender from filling memory. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Stripe's webhook endpoint. No session: the signature authenticates the sender. Answers 200 for
 * every verified event (duplicates included, so Stripe stops retrying), 400 for a missing, bad or
 * stale signature, 404 when Stripe is not configured, and 500 only when the database fails, so
 * that Stripe delivers again later.
 */
export const POST = machineRoute(['/api/webhooks/stripe', 'POST'], async (request) => {
  if (!stripeConfig()) return jsonError('not_found', 'Not found.', 404);
  const raw = await readBodyLimited(request, MAX_BODY_BYTES);
  if (!raw) return jsonError('invalid_input', 'The request body is too large.', 413);
  const result = await processStripeWebhook(raw, request.headers.get('stripe-signature'));
  if (result.status !== 200) return jsonError(result.status === 404 ? 'not_found' : 'invalid_input', result.message, result.status);
  return Response.json({ received: true }, { headers: { 'Cache-Control': 'no-store' } });
});
