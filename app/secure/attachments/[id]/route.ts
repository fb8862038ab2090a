import type { Readable } from 'node:stream';
import type { NextRequest } from 'next/server';
import { getCurrentPortalUser } from '@/lib/auth/session';
import { errorResponse, jsonError } from '@/lib/http/route';
import { contentDisposition, openAttachment, removeDraftAttachment } from '@/lib/messaging/attachments';

export const dynamic = 'force-dynamic';

/**
 * The file as a web stream pulled chunk by chunk: the next chunk is read from disk only when the
 * client has taken the previous one, so memory stays flat. (Readable.toWeb would also do, but it
 * needs a cast to the DOM stream type, and this way a disk error mid-download is logged.)
 */
function pullStream(stream: Readable): ReadableStream<Uint8Array> {
  const chunks: AsyncIterator<unknown> = stream[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else if (next.value instanceof Uint8Array) controller.enqueue(next.value);
        else throw new TypeError('The file stream yielded something other than bytes.');
      } catch (e) {
        // Headers are already sent: aborting the body is how the client learns the file is cut short.
        console.error('[secure/attachments/[id]] stream failed', e);
        controller.error(e);
      }
    },
    async cancel() {
      // The client went away: close the file now rather than when the stream is collected.
      await chunks.return?.();
    },
  });
}

/**
 * GET /secure/attachments/[id] — the file, to its uploader (before sending) and to the message's
 * sender and recipients. Always a download: octet-stream whatever the uploaded type, nosniff, and
 * a sandbox CSP in case a browser renders it anyway, so an uploaded HTML or SVG file can never run
 * as this origin.
 *
 * The server gives it no page policy (wantsPagePolicy in lib/http/content-security-policy.ts), so
 * nothing can replace the sandbox one.
 */
export async function GET(_request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const user = await getCurrentPortalUser();
  if (!user) return jsonError('unauthenticated', 'Your session has ended. Sign in again.', 401);
  const { id } = await params;
  try {
    const { attachment, stream } = await openAttachment({ user, id });
    return new Response(pullStream(stream), {
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': contentDisposition(attachment.fileName),
        'Content-Length': String(attachment.sizeBytes),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "sandbox; default-src 'none'",
        'Cache-Control': 'private, no-store',
      },
    });
  } catch (e) {
    return errorResponse(e, 'secure/attachments/[id]');
  }
}

/**
 * DELETE /secure/attachments/[id] — takes one of the user's own uploads off the message they are
 * writing (the compose page's Remove), file and all. Sent attachments, and everyone else's, are
 * "not found". DELETE is never a simple cross-site request, so another site cannot send it.
 */
export async function DELETE(_request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const user = await getCurrentPortalUser();
  if (!user) return jsonError('unauthenticated', 'Your session has ended. Sign in again.', 401);
  const { id } = await params;
  try {
    await removeDraftAttachment({ user, id });
    return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
  } catch (e) {
    return errorResponse(e, 'secure/attachments/[id]');
  }
}
