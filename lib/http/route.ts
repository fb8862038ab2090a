import { unstable_rethrow } from 'next/navigation';
import { NextRequest } from 'next/server';
import { routeAccess, type Access } from '@/lib/auth/access';
import type { AdminActor } from '@/lib/auth/actor';
import { can, type Permission } from '@/lib/auth/permissions';
import { getCurrentAdmin, getCurrentPortalUser, type PortalActor } from '@/lib/auth/session';
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

type RoutePath = keyof typeof routeAccess;
type MethodOf<P extends RoutePath> = keyof (typeof routeAccess)[P] & string;
type KindOf<P extends RoutePath, M extends MethodOf<P>> = (typeof routeAccess)[P][M] extends { kind: infer K } ? K : never;
/** The (path, method) pairs whose entry in the access table is of `kind`. */
type RoutesOf<Kind extends Access['kind']> = { [P in RoutePath]: { [M in MethodOf<P>]: KindOf<P, M> extends Kind ? [P, M] : never }[MethodOf<P>] }[RoutePath];

/** What Next passes a route handler besides the request: the dynamic segments of its path. */
export type RouteContext<Params extends Record<string, string | string[]> = Record<string, never>> = { params: Promise<Params> };
/**
 * What a wrapper returns: the handler Next calls with a NextRequest and its context. Our own
 * callers (tests) may pass a plain Request, or nothing to a route that reads no request.
 */
type RouteHandler<Params extends Record<string, string | string[]>> = (request?: Request, context?: RouteContext<Params>) => Promise<Response>;

/**
 * The request as Next gave it. Next's own NextRequest class is a copy bundled into its route
 * runtime, so `instanceof` against the one in 'next/server' cannot tell; `nextUrl` can. A plain
 * Request (a test's) is wrapped, which takes over its body.
 */
function nextRequestOf(request: Request | undefined, path: string): NextRequest {
  if (request && 'nextUrl' in request && 'cookies' in request) return request as NextRequest;
  return request ? new NextRequest(request) : new NextRequest(new URL(path, 'http://localhost'));
}

function accessOf(path: RoutePath, method: string): Access {
  const access = (routeAccess[path] as Partial<Record<string, Access>> | undefined)?.[method];
  // The types only let a path and method of the table through; this is for a caller that casts.
  if (!access) throw new Error(`${method} ${path} has no entry in the access table (lib/auth/access.ts).`);
  return access;
}

/** Next gives every route handler its context; a caller of our own (a test) may leave it out for a path without segments. */
async function paramsOf<P>(context: { params: Promise<P> } | undefined): Promise<P> {
  return (await context?.params) ?? ({} as P);
}

/**
 * Runs a handler and maps what it throws to the answer (errorResponse). Next's control flow —
 * redirect(), notFound(), and the errors that make a route dynamic — is thrown again for Next to
 * answer (a redirect is a 307 with its Location, never a JSON 500). A Response the handler returns
 * goes out as it is: status, headers (Content-Disposition) and a streamed body untouched.
 */
async function answer(where: string, run: () => Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (e) {
    unstable_rethrow(e);
    return errorResponse(e, where);
  }
}

/**
 * The one wrapper for an administrator's route handler, as `adminAction` is for a server action:
 * the permission (and step-up) comes from the route's entry in the access table, stated there
 * once; the handler gets the authorized administrator, and whatever it throws becomes the JSON
 * error answer (an AppError's status, 503 when the database is away, 500 with a reference).
 */
export function adminRoute<Params extends Record<string, string | string[]> = Record<string, never>>(
  [path, method]: RoutesOf<'administrator'>,
  handler: (request: NextRequest, context: { actor: AdminActor; params: Params }) => Promise<Response>,
): RouteHandler<Params> {
  const access = accessOf(path, method);
  if (access.kind !== 'administrator') throw new Error(`${method} ${path} is not an administrator's route.`);
  const where = path.slice(1);
  return (request, context) =>
    answer(where, async () => {
      const actor = await authorizeRoute(access.permission, { stepUp: access.stepUp });
      if (actor instanceof Response) return actor;
      return handler(nextRequestOf(request, path), { actor, params: await paramsOf(context) });
    });
}

/** A route handler of a signed-in secure-message portal user; administrators' sessions do not count. */
export function portalRoute<Params extends Record<string, string | string[]> = Record<string, never>>(
  [path, method]: RoutesOf<'portal'>,
  handler: (request: NextRequest, context: { user: PortalActor; params: Params }) => Promise<Response>,
): RouteHandler<Params> {
  if (accessOf(path, method).kind !== 'portal') throw new Error(`${method} ${path} is not a portal route.`);
  const where = path.slice(1);
  return (request, context) =>
    answer(where, async () => {
      const user = await getCurrentPortalUser();
      if (!user) return jsonError('unauthenticated', 'Your session has ended. Sign in again.', 401);
      annotateRequest({ accountId: user.id });
      return handler(nextRequestOf(request, path), { user, params: await paramsOf(context) });
    });
}

/**
 * A route handler without a session: public, or a machine that authenticates itself (a
 * provider's signature, an organisation's API key, the operators' token), as its entry in the
 * access table says. The handler checks that credential itself and gets the request as it came
 * (a webhook's signature covers the raw body, which it reads with readBodyLimited); errors are
 * answered as above.
 */
export function machineRoute<Params extends Record<string, string | string[]> = Record<string, never>>(
  [path, method]: RoutesOf<'public' | 'signed' | 'api_key' | 'operator_token'>,
  handler: (request: Request, context: { params: Params }) => Promise<Response>,
): RouteHandler<Params> {
  const kind = accessOf(path, method).kind;
  if (kind === 'administrator' || kind === 'portal') throw new Error(`${method} ${path} needs a session: use adminRoute or portalRoute.`);
  const where = path.slice(1);
  return (request, context) => answer(where, async () => handler(request ?? new Request(new URL(path, 'http://localhost')), { params: await paramsOf(context) }));
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
