import type { AppErrorCode } from '@/lib/errors/app-error';

export type ActionError = { code: AppErrorCode | 'internal'; message: string; fieldErrors?: Record<string, string[]> };
export type ActionResult<T = null> = { ok: true; data: T } | { ok: false; error: ActionError };
