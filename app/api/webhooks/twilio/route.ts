import { processTwilioWebhook } from '@/lib/delivery/twilio-webhook';
import { twilioConfig } from '@/lib/env';
import { jsonError, machineRoute, readBodyLimited } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** A status callback is a few hundred bytes of form fields; the cap keeps an unauthenticated sender from filling memory. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Twilio's status callbacks for our SMS (codes for SMS two-factor). No session: X-Twilio-Signature
 * authenticates the sender. Answers 200 for every verified callback (replays, intermediate states
 * and unknown messages included), 400 for a missing or bad signature, 404 when Twilio is not
 * configured, and 500 only when the database fails.
 */
export const POST = machineRoute(['/api/webhooks/twilio', 'POST'], async (request) => {
  if (!twilioConfig()) return jsonError('not_found', 'Not found.', 404);
  const raw = await readBodyLimited(request, MAX_BODY_BYTES);
  if (!raw) return jsonError('invalid_input', 'The request body is too large.', 413);
  const result = await processTwilioWebhook(Buffer.from(raw).toString('utf8'), request.headers.get('x-twilio-signature'), new URL(request.url));
  if (result.status !== 200) return jsonError(result.status === 404 ? 'not_found' : 'invalid_input', result.message, result.status);
  return Response.json({ received: true }, { headers: { 'Cache-Control': 'no-store' } });
});
