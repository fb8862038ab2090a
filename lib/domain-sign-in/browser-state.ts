import { cookies } from 'next/headers';
import { flowCookieOptions } from '@/lib/auth/flow-cookie';
import type { AccountKind } from '@/lib/auth/authenticate';
import { CALLBACK_PATH } from './oidc';
import { SIGN_IN_ERROR_COOKIE } from './sign-in-error-cookie';

/**
 * The Domain sign-in state kept in the browser that started it (HttpOnly, only sent to the
 * callback), as `kind:state`; the callback compares it with the state the provider sends back.
 */
const COOKIE = 'sp_domain_sign_in';

export async function keepBrowserState(kind: AccountKind, state: string) {
  (await cookies()).set(COOKIE, `${kind}:${state}`, flowCookieOptions(CALLBACK_PATH));
}

/** Reads and forgets the state: a callback gets one try. */
export async function takeBrowserState(): Promise<{ kind: AccountKind; state: string } | null> {
  const jar = await cookies();
  const value = jar.get(COOKIE)?.value ?? '';
  jar.delete({ name: COOKIE, path: CALLBACK_PATH });
  const [kind, state] = value.split(':');
  if ((kind !== 'administrator' && kind !== 'portal_user') || !state) return null;
  return { kind, state };
}

/**
 * A refused Domain sign-in's message for the sign-in page it returns to, which shows it once
 * (SignInRefusal deletes it there).
 */
export async function keepSignInError(message: string, loginPath: string) {
  (await cookies()).set(SIGN_IN_ERROR_COOKIE, encodeURIComponent(message.slice(0, 400)), { ...flowCookieOptions(loginPath), httpOnly: false, maxAge: 60 });
}

export async function signInError(): Promise<string | null> {
  const value = (await cookies()).get(SIGN_IN_ERROR_COOKIE)?.value;
  if (!value) return null;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
