import { redirect } from 'next/navigation';
import { clientAddressFrom } from '@/lib/auth/client-address';
import { credentialsSignIn } from '@/lib/auth/credentials-sign-in';
import { keepSignInError, takeBrowserState } from '@/lib/domain-sign-in/browser-state';
import { completeDomainSignIn } from '@/lib/domain-sign-in/domain-sign-in';
import { callbackUrl } from '@/lib/domain-sign-in/oidc';
import { env } from '@/lib/env';
import { isAppError } from '@/lib/errors/app-error';

/**
 * Where the identity provider sends the browser back (Domain sign-in). Public by nature: what
 * makes it safe is the state bound to this browser's cookie, the single-use attempt, PKCE, and the
 * verified ID token (lib/domain-sign-in). Success opens a session; a refusal returns to the
 * sign-in page with its reason.
 *
 * Not on a route wrapper (lib/http/route.ts) on purpose: a browser navigates here, so every answer
 * is a redirect (307 with its Location), and an unexpected failure is Next's error page, not the
 * JSON error body the wrappers answer API clients with. Its access ('public') is in
 * lib/auth/access.ts like every route's.
 */
export async function GET(request: Request) {
  const browser = await takeBrowserState();
  const loginPath = browser?.kind === 'portal_user' ? '/secure/login' : '/login';
  // Our registered callback URL with the provider's query, whatever Host the request came in on.
  const currentUrl = new URL(`${callbackUrl()}${new URL(request.url).search}`);
  let destination: string;
  try {
    const done = await completeDomainSignIn({
      currentUrl,
      browserState: browser?.state,
      clientAddress: clientAddressFrom(request.headers, env().TRUSTED_PROXY_HOPS),
    });
    await credentialsSignIn('domain', { attemptId: done.attemptId, ticket: done.ticket });
    destination = done.returnTo;
  } catch (error) {
    if (!isAppError(error)) throw error;
    await keepSignInError(error.message, loginPath);
    destination = loginPath;
  }
  redirect(destination);
}
