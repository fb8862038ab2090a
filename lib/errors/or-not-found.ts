import { notFound } from 'next/navigation';
import { isAppError } from './app-error';

/**
 * For pages: what `work` returns, or the 404 page when it throws AppError 'not_found' (an id that
 * is unknown, or another person's, reads the same). Other errors pass through.
 */
export async function orNotFound<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') notFound();
    throw e;
  }
}
