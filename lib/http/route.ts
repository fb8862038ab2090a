import type { AdminActor } from '@/lib/auth/actor';
import { can, type Permission } from '@/lib/auth/permissions';
import { getCurrentAdmin } from '@/lib/auth/session';
import { requireStepUp, StepUpRequired } from '@/lib/auth/step-up';
import { SET_UP_TWO_FACTOR_FIRST } from '@/lib/auth/two-factor-messages';
import { httpStatusByCode, isAppError, type AppErrorCode } from '@/lib/errors/app-error';
import { DATABASE_RETRY_AFTER_SECONDS, DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '@/lib/errors/database-unavailable';
import { annotateRequest, errorFields, log } from '@/lib/log';
import { requestId } from './request-id';

/** Shared by route handlers: the same authorization and error answers as server actions. */
export function jsonError(code: AppErrorCode | 'internal', message: string, status: number) {
  return Response.json({ error: { code, message } }, { status, headers: { 'Cache-Control': 'no-store' } });
}

/**
 * The signed-in administrator allowed `permission`, or the refusal to return. `stepUp`: a
 * sensitive change that also needs a fresh second factor (or the password) in this session
 * (lib/auth/step-up.ts); refused with 403 `step_up_required` and the method to ask for.
 */
export async function authorizeRoute(permission: Permission, options: { stepUp?: boolean } = {}): Promise<AdminActor | Response> {
  const admin = await getCurrentAdmin();
  if (!admin) return jsonError('unauthenticated', 'Your session has ended. Sign in again.', 401);
  if (admin.mustChangePassword) return jsonError('forbidden', 'Set a new password before doing anything else.', 403);
  if (admin.mustEnrolSecondFactor) return jsonError('forbidden', SET_UP_TWO_FACTOR_FIRST, 403);
  annotateRequest({ orgId: admin.orgId, accountId: admin.id });
  if (!can(admin.level, permission)) return jsonError('forbidden', 'Your administrator level does not allow this.', 403);
  if (!options.stepUp) return admin;
  try {
    return { ...admin, stepUp: await requireStepUp(admin) };
  } catch (e) {
    if (e instanceof StepUpRequired) return Response.json({ error: { code: e.code, message: e.message, stepUp: e.method } }, { status: 403, headers: { 'Cache-Control': 'no-store' } });
    return errorResponse(e, 'step-up');
  }
}

/**
 * Maps an error thrown by a use case to a response; unexpected ones are logged with a reference.
 * The database being unreachable (terminated connections, a restart) is a 503 with Retry-After,
 * not a 500: the request may simply be repeated.
 */
export async function errorResponse(e: unknown, where: string): Promise<Response> {
  if (isAppError(e)) return jsonError(e.code, e.message, httpStatusByCode[e.code]);
  const reference = await requestId();
  if (isDatabaseUnavailable(e)) {
    log('route').error({ reqId: reference, where, ...errorFields(e, false) }, 'database unavailable');
    const response = jsonError('unavailable', DATABASE_UNAVAILABLE_MESSAGE, 503);
    response.headers.set('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    return response;
  }
  log('route').error({ reqId: reference, where, ...errorFields(e) }, 'route failed');
  return jsonError('internal', `Something went wrong on our side. Try again in a moment (reference ${reference.slice(0, 8)}).`, 500);
}

/**
 * A file download streamed pull by pull: the next chunk is produced only when the client wants
 * it, so memory stays flat however long the file. Chunks are text, or UTF-8 bytes passed on as
 * they are.
 */
export function streamedDownload(chunks: AsyncIterator<string | Uint8Array>, options: { filename: string; contentType: string; where: string }) {
  const encoder = new TextEncoder();
  // Set when the client hangs up: a chunk still being produced then has nowhere to go, and
  // enqueueing it would throw on the closed stream (that is not a failure of the export).
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (cancelled) return;
        if (next.done) controller.close();
        else controller.enqueue(typeof next.value === 'string' ? encoder.encode(next.value) : next.value);
      } catch (e) {
        if (cancelled) return;
        // Headers are already sent: aborting the body is how the client learns the file is cut short.
        log('route').error({ where: options.where, ...errorFields(e) }, 'stream failed');
        controller.error(e);
      }
    },
    async cancel() {
      cancelled = true;
      await chunks.return?.();
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': options.contentType,
      'Content-Disposition': `attachment; filename="${options.filename}"`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

/**
 * The request body exactly as sent, or null when it is larger than `limit` bytes (refused as soon
 * as it passes the limit, never buffered whole). Bytes, not text: a webhook signature covers the
 * bytes, and decoding could change them.
 */
export async function readBodyLimited(request: Request, limit: number): Promise<Uint8Array | null> {
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
