import type { Readable } from 'node:stream';
import { portalRoute } from '@/lib/http/route';
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
export const GET = portalRoute<{ id: string }>(['/secure/attachments/[id]', 'GET'], async (_request, { user, params }) => {
  const { attachment, stream } = await openAttachment({ user, id: params.id });
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
});

/**
 * DELETE /secure/attachments/[id] — takes one of the user's own uploads off the message they are
 * writing (the compose page's Remove), file and all. Sent attachments, and everyone else's, are
 * "not found". DELETE is never a simple cross-site request, so another site cannot send it.
 */
export const DELETE = portalRoute<{ id: string }>(['/secure/attachments/[id]', 'DELETE'], async (_request, { user, params }) => {
  await removeDraftAttachment({ user, id: params.id });
  return new Response(null, { status: 204, headers: { 'Cache-Control': 'no-store' } });
});
