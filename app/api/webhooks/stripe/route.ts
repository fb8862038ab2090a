import { processStripeWebhook } from '@/lib/billing/stripe-payments';
import { stripeConfig } from '@/lib/billing/stripe-config';
import { errorResponse, jsonError } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** Payment intent events are a few kilobytes; the cap keeps an unauthenticated sender from filling memory. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The body exactly as sent, or null when it is larger than `limit`. Bytes rather than
 * `request.text()`: the signature covers the bytes, and decoding (which drops a BOM and replaces
 * invalid UTF-8) could change them.
 */
async function readRawBody(request: Request, limit: number): Promise<Uint8Array | null> {
  if (Number(request.headers.get('content-length') ?? 0) > limit) return null;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * Stripe's webhook endpoint. No session: the signature authenticates the sender. Answers 200 for
 * every verified event (duplicates included, so Stripe stops retrying), 400 for a missing, bad or
 * stale signature, 404 when Stripe is not configured, and 500 only when the database fails, so
 * that Stripe delivers again later.
 */
export async function POST(request: Request) {
  try {
    if (!stripeConfig()) return jsonError('not_found', 'Not found.', 404);
    const raw = await readRawBody(request, MAX_BODY_BYTES);
    if (!raw) return jsonError('invalid_input', 'The request body is too large.', 413);
    const result = await processStripeWebhook(raw, request.headers.get('stripe-signature'));
    if (result.status !== 200) return jsonError(result.status === 404 ? 'not_found' : 'invalid_input', result.message, result.status);
    return Response.json({ received: true }, { headers: { 'Cache-Control': 'no-store' } });
  } catch (e) {
    return errorResponse(e, 'webhooks/stripe');
  }
}
