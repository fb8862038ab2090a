import { authenticateApiKey } from '@/lib/delivery/api-keys';
import { ingestDeliveryEvents, parseDeliveryEvents } from '@/lib/delivery/ingest';
import { ingestRawBounce } from '@/lib/delivery/ingest-raw-bounce';
import { jsonError, machineRoute, readBodyLimited } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

/** 10,000 events with long diagnostics fit well within this; the cap is checked while reading. */
const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** One raw bounce message (Content-Type: message/rfc822); bounces that return a large original are big. */
const MAX_RAW_BYTES = 10 * 1024 * 1024;

function unauthorized() {
  const response = jsonError('unauthenticated', 'Send a valid, unrevoked API key as "Authorization: Bearer <key>".', 401);
  response.headers.set('WWW-Authenticate', 'Bearer realm="delivery-events"');
  return response;
}

/**
 * The delivery-event ingest API (README "Delivery events API"). No session: an organisation's API key authenticates
 * the sender and decides which organisation the events belong to. Answers 202 with how many
 * events were stored and why the others were refused (good events are stored even when some are
 * bad), 400 when none is usable, 401 for a missing, unknown or revoked key, 413 past 5 MB.
 *
 * With `Content-Type: message/rfc822` the body is one raw bounce message (up to 10 MB): it is read
 * (RFC 3464 reports, ARF complaints, common plain-text bounces) into one event per recipient, or
 * kept as an "unparsed bounce" event with the reason why; either way the answer is 202.
 */
export const POST = machineRoute(['/api/delivery-events', 'POST'], async (request) => {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get('authorization') ?? '');
  // The key is checked before the body is read, so strangers cannot make us parse 5 MB.
  const key = match ? await authenticateApiKey(match[1]) : null;
  if (!key) return unauthorized();

  const contentType = (request.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (contentType === 'message/rfc822') {
    const message = await readBodyLimited(request, MAX_RAW_BYTES);
    if (!message) return jsonError('invalid_input', 'The message is larger than 10 MB.', 413);
    if (message.byteLength === 0) return jsonError('invalid_input', 'The body is empty. Send one raw bounce message.', 400);
    const outcome = await ingestRawBounce({ orgId: key.orgId, raw: message });
    const text =
      outcome.kind === 'unparsed'
        ? `The bounce could not be read (${outcome.unparsedReason}); it was stored as an unparsed bounce and its original is kept for 30 days.`
        : `Stored ${outcome.events.length} event${outcome.events.length === 1 ? '' : 's'} from the ${outcome.kind === 'complaint' ? 'feedback report' : 'bounce'}.`;
    return Response.json(
      {
        accepted: outcome.events.length,
        kind: outcome.kind,
        ...(outcome.unparsedReason ? { unparsedReason: outcome.unparsedReason } : {}),
        events: outcome.events.map((e) => ({ recipient: e.recipient, event: e.event, reason: e.reason, class: e.bounceClass })),
        message: text,
      },
      { status: 202, headers: { 'Cache-Control': 'no-store' } },
    );
  }

  const raw = await readBodyLimited(request, MAX_BODY_BYTES);
  if (!raw) return jsonError('invalid_input', 'The body is larger than 5 MB. Send the events in smaller batches.', 413);
  let body: string;
  try {
    body = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return Response.json(
      { error: { code: 'invalid_input', message: 'The body is not valid UTF-8 text.' }, accepted: 0, rejected: [] },
      { status: 400, headers: { 'Cache-Control': 'no-store' } },
    );
  }

  const { valid, errors } = parseDeliveryEvents(body);
  if (valid.length === 0) {
    return Response.json(
      { error: { code: 'invalid_input', message: 'No event was stored: none of them is valid. See "rejected" for why.' }, accepted: 0, rejected: errors },
      { status: 400, headers: { 'Cache-Control': 'no-store' } },
    );
  }
  const accepted = await ingestDeliveryEvents(key.orgId, valid, 'ingest');
  const message =
    errors.length === 0
      ? `Stored ${accepted} event${accepted === 1 ? '' : 's'}.`
      : `Stored the ${accepted} valid event${accepted === 1 ? '' : 's'}; the ${errors.length} listed in "rejected" were not stored. Fix and resend only those.`;
  return Response.json({ accepted, rejected: errors, message }, { status: 202, headers: { 'Cache-Control': 'no-store' } });
});
