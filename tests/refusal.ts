import { AppError } from '@/lib/errors/app-error';

/** Awaits a use case that must refuse, and returns its AppError (anything else fails the test). */
export async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}
