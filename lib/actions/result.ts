import type { AppErrorCode } from '@/lib/errors/app-error';

/** `stepUp`: with `step_up_required`, how the person confirms it is them (lib/auth/step-up.ts). */
export type ActionError = { code: AppErrorCode | 'internal'; message: string; fieldErrors?: Record<string, string[]>; stepUp?: 'code' | 'password' | 'sign_in' };
export type ActionResult<T = null> = { ok: true; data: T } | { ok: false; error: ActionError };
