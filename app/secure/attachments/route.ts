import { jsonError, portalRoute } from '@/lib/http/route';
import { AttachmentsTooLargeError, uploadAttachment } from '@/lib/messaging/attachments';

export const dynamic = 'force-dynamic';

/** A size header as the client sent it: a plain non-negative integer, or nothing. */
function sizeHeader(value: string | null): number | null {
  if (value === null || !/^\d{1,15}$/.test(value.trim())) return null;
  return Number(value.trim());
}

/** How much of a refused upload is read and dropped before giving up on the connection. */
const DISCARD_LIMIT_BYTES = 128 * 1024 * 1024;

/**
 * Reads and drops what is left of a refused upload, in the background. Without it, a client that
 * sends its whole body before reading the answer (many HTTP libraries) stalls once we stop
 * reading, and gets a connection reset instead of the 413; cancelling the body would reset the
 * connection at once. Past the limit the client is not worth waiting for, and the connection goes.
 */
function discardRest(body: ReadableStream<Uint8Array> | null): void {
  if (!body || body.locked) return;
  const reader = body.getReader();
  void (async () => {
    let dropped = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        dropped += value.byteLength;
        if (dropped > DISCARD_LIMIT_BYTES) {
          await reader.cancel();
          return;
        }
      }
    } catch {
      // The client went away first: nothing left to discard.
    }
  })();
}

/**
 * POST /secure/attachments — one file for the message being written: the raw bytes as the body
 * (not multipart, so nothing has to be parsed or buffered), the name URI-encoded in X-File-Name,
 * the type in Content-Type, the draft id the server gave the compose page in X-Draft-Id (refused
 * unless issued to this user). Streamed to storage; refused with 413 from the declared size
 * (Content-Length / X-File-Size) before a byte is read when it would pass 50 MB for the message or
 * 200 MB of the user's unsent uploads, and otherwise as soon as the stream does. (There is no Next proxy/middleware: bodies that pass
 * through one are cut at 10 MB.)
 */
export const POST = portalRoute(['/secure/attachments', 'POST'], async (request, { user }) => {
  const encodedName = request.headers.get('x-file-name');
  let fileName: string | null = null;
  if (encodedName !== null) {
    try {
      fileName = decodeURIComponent(encodedName);
    } catch {
      return jsonError('invalid_input', 'The file name could not be read. Rename the file and try again.', 400);
    }
  }
  const sizes = [sizeHeader(request.headers.get('content-length')), sizeHeader(request.headers.get('x-file-size'))].filter((n) => n !== null);
  // Either header alone is enough to refuse early; the larger one is the honest bound.
  const declaredSize = sizes.length > 0 ? Math.max(...sizes) : null;

  try {
    const uploaded = await uploadAttachment({ user, draftId: request.headers.get('x-draft-id') ?? '', fileName, contentType: request.headers.get('content-type'), body: request.body, declaredSize });
    return Response.json(uploaded, { status: 201, headers: { 'Cache-Control': 'no-store' } });
  } catch (e) {
    discardRest(request.body);
    if (e instanceof AttachmentsTooLargeError) return jsonError('invalid_input', e.message, e.status);
    throw e;
  }
});
