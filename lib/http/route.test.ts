import { NextRequest } from 'next/server';
import { notFound, redirect } from 'next/navigation';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AdminActor } from '@/lib/auth/actor';
import type { PortalActor } from '@/lib/auth/session';
import { AppError } from '@/lib/errors/app-error';
import { DATABASE_UNAVAILABLE_MESSAGE } from '@/lib/errors/database-unavailable';

/**
 * The route wrappers (lib/http/route.ts) against the access table: who is signed in is the one
 * thing faked here (the session comes from a request's cookie, which a unit test has not got);
 * permissions, refusals and error answers are the real ones.
 */
const session = vi.hoisted(() => ({
  admin: null as AdminActor | null,
  portalUser: null as PortalActor | null,
  adminError: null as Error | null,
}));

vi.mock('@/lib/auth/session', () => ({
  getCurrentAdmin: async () => {
    if (session.adminError) throw session.adminError;
    return session.admin;
  },
  getCurrentPortalUser: async () => session.portalUser,
}));

const { adminRoute, machineRoute, portalRoute } = await import('./route');

function administrator(level: 1 | 2 | 3, extra: Partial<AdminActor> = {}): AdminActor {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    orgId: '00000000-0000-4000-8000-0000000000aa',
    orgName: 'Route Test',
    email: `level${level}@route.example`,
    name: 'Route Tester',
    level,
    status: 'active',
    mustChangePassword: false,
    mustEnrolSecondFactor: false,
    hasSecondFactor: false,
    sessionVersion: 1,
    renewalDate: null,
    clientAddress: '127.0.0.1',
    ...extra,
  };
}

const request = (path: string, init?: ConstructorParameters<typeof NextRequest>[1]) => new NextRequest(`http://localhost${path}`, init);
const context = <P extends Record<string, string>>(params: P) => ({ params: Promise.resolve(params) });
const noParams = context({} as Record<string, never>);

async function errorOf(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return ((await response.json()) as { error: { code: string; message: string } }).error;
}

beforeEach(() => {
  session.admin = null;
  session.portalUser = null;
  session.adminError = null;
});

describe('adminRoute', () => {
  // '/licensed-emails/import' POST is licensed_emails.manage in the access table: levels 1 and 2.
  const handler = vi.fn(async (_request: NextRequest, { actor }: { actor: AdminActor }) => Response.json({ by: actor.email }));
  const importRoute = adminRoute(['/licensed-emails/import', 'POST'], handler);

  beforeEach(() => {
    handler.mockClear();
  });

  it('answers 401 without a session, and never runs the handler', async () => {
    const response = await importRoute(request('/licensed-emails/import', { method: 'POST' }), noParams);
    expect(response.status).toBe(401);
    expect(await errorOf(response)).toEqual({ code: 'unauthenticated', message: 'Your session has ended. Sign in again.' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 403 to a level the access table does not allow, and never runs the handler', async () => {
    session.admin = administrator(3);
    const response = await importRoute(request('/licensed-emails/import', { method: 'POST' }), noParams);
    expect(response.status).toBe(403);
    expect(await errorOf(response)).toEqual({ code: 'forbidden', message: 'Your administrator level does not allow this.' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 403 to an administrator who must first set a new password', async () => {
    session.admin = administrator(1, { mustChangePassword: true });
    const response = await importRoute(request('/licensed-emails/import', { method: 'POST' }), noParams);
    expect(response.status).toBe(403);
    expect((await errorOf(response)).message).toBe('Set a new password before doing anything else.');
    expect(handler).not.toHaveBeenCalled();
  });

  it('runs the handler for an allowed level, with the administrator', async () => {
    session.admin = administrator(2);
    const response = await importRoute(request('/licensed-emails/import', { method: 'POST' }), noParams);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ by: 'level2@route.example' });
    expect(handler).toHaveBeenCalledOnce();
  });

  it("lets Next's notFound and redirect through", async () => {
    session.admin = administrator(1);
    const missing = adminRoute(['/events/export', 'GET'], async () => notFound());
    await expect(missing(request('/events/export'), noParams)).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_HTTP_ERROR_FALLBACK;404/) });
    const moved = adminRoute(['/events/export', 'GET'], async () => redirect('/events'));
    await expect(moved(request('/events/export'), noParams)).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_REDIRECT/) });
  });

  it("returns the handler's download untouched: status, headers and the streamed body", async () => {
    session.admin = administrator(1);
    const route = adminRoute(['/events/export', 'GET'], async () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('a,b\n'));
          controller.enqueue(new TextEncoder().encode('1,2\n'));
          controller.close();
        },
      });
      return new Response(body, { status: 200, headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="events.csv"' } });
    });
    const response = await route(request('/events/export'), noParams);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="events.csv"');
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await response.text()).toBe('a,b\n1,2\n');
  });

  it('passes the dynamic segments of the path', async () => {
    session.admin = administrator(3);
    const pdf = adminRoute<{ id: string }>(['/invoices/[id]/pdf', 'GET'], async (_request, { params }) => Response.json({ id: params.id }));
    const response = await pdf(request('/invoices/abc/pdf'), context({ id: 'abc' }));
    expect(await response.json()).toEqual({ id: 'abc' });
  });

  it("maps an AppError to its status and the same JSON as today's routes", async () => {
    session.admin = administrator(1);
    const route = adminRoute(['/events/export', 'GET'], async () => {
      throw new AppError('not_found', 'That export does not exist.');
    });
    const response = await route(request('/events/export'), noParams);
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toEqual({ code: 'not_found', message: 'That export does not exist.' });
  });

  it('answers 500 with a reference, never the error itself, for an unexpected error', async () => {
    session.admin = administrator(1);
    const route = adminRoute(['/events/export', 'GET'], async () => {
      throw new Error('relation "secret_table" does not exist');
    });
    const response = await route(request('/events/export'), noParams);
    expect(response.status).toBe(500);
    const error = await errorOf(response);
    expect(error.code).toBe('internal');
    expect(error.message).toMatch(/^Something went wrong on our side\. Try again in a moment \(reference [0-9a-f-]{8}\)\.$/);
    expect(error.message).not.toContain('secret_table');
  });

  it('answers 503 with Retry-After when the database is away, even while resolving the session', async () => {
    session.adminError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const response = await importRoute(request('/licensed-emails/import', { method: 'POST' }), noParams);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await errorOf(response)).toEqual({ code: 'unavailable', message: DATABASE_UNAVAILABLE_MESSAGE });
  });

  it('refuses, when the module loads, a route whose table entry is not an administrator one', () => {
    // @ts-expect-error -- '/api/health' is public in the access table: the types refuse it too.
    expect(() => adminRoute(['/api/health', 'GET'], async () => new Response())).toThrow(/not an administrator's route/);
    // @ts-expect-error -- not in the access table at all.
    expect(() => adminRoute(['/nowhere', 'GET'], async () => new Response())).toThrow(/no entry in the access table/);
  });
});

describe('portalRoute', () => {
  const route = portalRoute<{ id: string }>(['/secure/attachments/[id]', 'DELETE'], async (_request, { user, params }) => Response.json({ user: user.id, id: params.id }));

  it('answers 401 without a portal session (an administrator session does not count)', async () => {
    session.admin = administrator(1);
    const response = await route(request('/secure/attachments/f1', { method: 'DELETE' }), context({ id: 'f1' }));
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe('unauthenticated');
  });

  it('runs the handler for the signed-in user', async () => {
    session.portalUser = { id: 'user-1' } as PortalActor;
    const response = await route(request('/secure/attachments/f1', { method: 'DELETE' }), context({ id: 'f1' }));
    expect(await response.json()).toEqual({ user: 'user-1', id: 'f1' });
  });
});

describe('machineRoute', () => {
  it('maps errors like the others', async () => {
    const route = machineRoute(['/api/webhooks/stripe', 'POST'], async () => {
      throw new AppError('invalid_input', 'The signature does not match.');
    });
    const response = await route(request('/api/webhooks/stripe', { method: 'POST' }), noParams);
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toEqual({ code: 'invalid_input', message: 'The signature does not match.' });
  });

  it("lets Next's redirect through, for Next to answer with a 307 (never a JSON 500)", async () => {
    const route = machineRoute(['/api/auth/sso/callback', 'GET'], async () => redirect('/login'));
    await expect(route(request('/api/auth/sso/callback'), noParams)).rejects.toMatchObject({ digest: expect.stringMatching(/^NEXT_REDIRECT/) });
  });

  it('passes the request on as it came: a webhook reads its raw body', async () => {
    const route = machineRoute(['/api/webhooks/stripe', 'POST'], async (request) => new Response(new Uint8Array(await request.arrayBuffer())));
    const sent = new Uint8Array([0x7b, 0xff, 0x00, 0x7d]);
    const response = await route(new Request('http://localhost/api/webhooks/stripe', { method: 'POST', body: sent }), noParams);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(sent);
  });

  it('refuses a route that needs a session', () => {
    // @ts-expect-error -- an administrator's route.
    expect(() => machineRoute(['/events/export', 'GET'], async () => new Response())).toThrow(/needs a session/);
  });
});
