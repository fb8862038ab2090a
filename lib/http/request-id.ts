import { randomUUID } from 'node:crypto';
import { headers } from 'next/headers';
import { currentRequest } from '@/lib/log';
import { REQUEST_ID_HEADER } from './observe';

/**
 * The id of the request being handled, as our HTTP server gave it (lib/http/observe.ts): the one
 * in its log lines, its X-Request-Id header and the reference shown with an error. A fresh one
 * outside a request (a script, a test).
 */
export async function requestId(): Promise<string> {
  const fromContext = currentRequest()?.requestId;
  if (fromContext) return fromContext;
  try {
    return (await headers()).get(REQUEST_ID_HEADER) ?? randomUUID();
  } catch {
    return randomUUID();
  }
}
