import { unstable_rethrow } from 'next/navigation';
import { z } from 'zod';
import { actionAccess, type Access, type ActionName } from '@/lib/auth/access';
import type { AdminActor } from '@/lib/auth/actor';
import { can } from '@/lib/auth/permissions';
import { requireStepUp, StepUpRequired } from '@/lib/auth/step-up';
import { SET_UP_TWO_FACTOR_FIRST } from '@/lib/auth/two-factor-messages';
import { getCurrentAdmin, getCurrentPortalUser, requestClientAddress, type PortalActor } from '@/lib/auth/session';
import { isAppError } from '@/lib/errors/app-error';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '@/lib/errors/database-unavailable';
import { requestId } from '@/lib/http/request-id';
import { annotateRequest, errorFields, log } from '@/lib/log';
import type { ActionResult } from './result';

/**
 * The one wrapper every server action goes through: resolve the actor from the session, check
 * the action's entry in the access table (lib/auth/access.ts), parse the input with its zod
 * schema, run one domain function, and map errors to `{ ok: false, error }`. Redirects and
 * notFound pass through. An entry with `stepUp: true` also needs a fresh second factor (or the
 * password) in this session: refused with `step_up_required` and the method to ask for, which
 * the client's step-up dialog (components/auth/step-up.tsx) asks for and then calls again.
 */
export type RegisteredAction<I, T> = ((input: I) => Promise<ActionResult<T>>) & { access: Access };

type NamesOf<Kind extends Access['kind']> = { [K in ActionName]: (typeof actionAccess)[K] extends { kind: Kind } ? K : never }[ActionName];
type PublicName = NamesOf<'public'>;
type AdminName = NamesOf<'administrator'>;
type PortalName = NamesOf<'portal'>;

function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join('.') || '_form';
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

function toInput(raw: unknown): unknown {
  if (raw instanceof FormData) {
    const out: Record<string, FormDataEntryValue> = {};
    for (const [key, value] of raw.entries()) if (!key.startsWith('$ACTION')) out[key] = value;
    return out;
  }
  return raw;
}

async function run<S extends z.ZodType, T>(
  name: ActionName,
  schema: S,
  raw: unknown,
  body: (input: z.infer<S>) => Promise<T>,
  /** A check made before the input is even read (step-up); throws its refusal. */
  guard?: () => Promise<void>,
): Promise<ActionResult<T>> {
  try {
    await guard?.();
    const parsed = schema.safeParse(toInput(raw));
    if (!parsed.success) {
      const fieldErrors = fieldErrorsOf(parsed.error);
      return { ok: false, error: { code: 'invalid_input', message: 'Check the highlighted fields.', fieldErrors } };
    }
    return { ok: true, data: await body(parsed.data) };
  } catch (e) {
    unstable_rethrow(e);
    if (e instanceof StepUpRequired) return { ok: false, error: { code: e.code, message: e.message, stepUp: e.method } };
    if (isAppError(e)) return { ok: false, error: { code: e.code, message: e.message, fieldErrors: e.fieldErrors } };
    const reference = await requestId();
    if (isDatabaseUnavailable(e)) {
      log('action').error({ reqId: reference, action: name, ...errorFields(e, false) }, 'database unavailable');
      return { ok: false, error: { code: 'unavailable', message: DATABASE_UNAVAILABLE_MESSAGE } };
    }
    log('action').error({ reqId: reference, action: name, ...errorFields(e) }, 'action failed');
    return {
      ok: false,
      error: { code: 'internal', message: `Something went wrong on our side. Try again in a moment (reference ${reference.slice(0, 8)}).` },
    };
  }
}

export function publicAction<S extends z.ZodType, T>(
  name: PublicName,
  schema: S,
  handler: (input: z.infer<S>, context: { clientAddress: string }) => Promise<T>,
): RegisteredAction<z.input<S>, T> {
  const action = async (raw: z.input<S>) => {
    annotateRequest({ action: name });
    return run(name, schema, raw, async (input) => handler(input, { clientAddress: await requestClientAddress() }));
  };
  return Object.assign(action, { access: actionAccess[name] as Access });
}

export function adminAction<S extends z.ZodType, T>(
  name: AdminName,
  schema: S,
  handler: (input: z.infer<S>, context: { actor: AdminActor }) => Promise<T>,
): RegisteredAction<z.input<S>, T> {
  const access = actionAccess[name] as Extract<Access, { kind: 'administrator' }>;
  const action = async (raw: z.input<S>): Promise<ActionResult<T>> => {
    annotateRequest({ action: name });
    // A copy: getCurrentAdmin is cached for the request, and the step-up is this action's own.
    const current = await getCurrentAdmin();
    const actor = current ? { ...current } : null;
    if (actor) annotateRequest({ orgId: actor.orgId, accountId: actor.id });
    if (!actor) return { ok: false, error: { code: 'unauthenticated', message: 'Your session has ended. Sign in again.' } };
    if (actor.mustChangePassword && !access.allowPendingPasswordChange) {
      return { ok: false, error: { code: 'forbidden', message: 'Set a new password before doing anything else.' } };
    }
    if (actor.mustEnrolSecondFactor && !access.allowPendingEnrolment) {
      return { ok: false, error: { code: 'forbidden', message: SET_UP_TWO_FACTOR_FIRST } };
    }
    if (!can(actor.level, access.permission)) {
      return { ok: false, error: { code: 'forbidden', message: 'Your administrator level does not allow this.' } };
    }
    // A sensitive change: a fresh second factor (or the password) in this session, which the
    // change's audit events then record (auditActorOf).
    const guard = access.stepUp
      ? async () => {
          actor.stepUp = await requireStepUp(actor);
        }
      : undefined;
    return run(name, schema, raw, (input) => handler(input, { actor }), guard);
  };
  return Object.assign(action, { access });
}

/** An action of a signed-in secure-message portal user; administrators' sessions do not count. */
export function portalAction<S extends z.ZodType, T>(
  name: PortalName,
  schema: S,
  handler: (input: z.infer<S>, context: { user: PortalActor }) => Promise<T>,
): RegisteredAction<z.input<S>, T> {
  const action = async (raw: z.input<S>): Promise<ActionResult<T>> => {
    annotateRequest({ action: name });
    const user = await getCurrentPortalUser();
    if (user) annotateRequest({ accountId: user.id });
    if (!user) return { ok: false, error: { code: 'unauthenticated', message: 'Your session has ended. Sign in again.' } };
    return run(name, schema, raw, (input) => handler(input, { user }));
  };
  return Object.assign(action, { access: actionAccess[name] as Access });
}
