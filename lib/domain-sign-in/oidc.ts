import * as client from 'openid-client';
import { env } from '@/lib/env';
import { AppError } from '@/lib/errors/app-error';

/** The one OpenID Connect client of Domain sign-in (openid-client): discovery, the request, the answer. */

export const CALLBACK_PATH = '/api/auth/sso/callback';

export function callbackUrl(): string {
  return `${env().APP_URL.replace(/\/$/, '')}${CALLBACK_PATH}`;
}

function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/**
 * An issuer must be https; plain http only on this machine's loopback address (a provider run
 * locally for development and tests).
 */
export function issuerProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter the issuer URL, like https://login.example.com/realms/acme.';
  }
  if (url.username || url.password || url.search || url.hash) return 'The issuer URL has no user, query or fragment.';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:' && isLoopback(url)) return null;
  return 'The issuer URL must start with https://.';
}

export type ProviderSettings = { issuer: string; clientId: string; clientSecret: string };

export async function discover(settings: ProviderSettings): Promise<client.Configuration> {
  const problem = issuerProblem(settings.issuer);
  if (problem) throw new AppError('invalid_input', problem);
  const issuer = new URL(settings.issuer);
  try {
    return await client.discovery(issuer, settings.clientId, settings.clientSecret, undefined, {
      execute: isLoopback(issuer) ? [client.allowInsecureRequests] : [],
      timeout: 10,
    });
  } catch (error) {
    throw new AppError('unavailable', `The identity provider at ${issuer.origin} could not be discovered: ${describe(error)}`);
  }
}

/** A short, safe reading of an openid-client or network error (no stack, no secrets). */
export function describe(error: unknown): string {
  if (error instanceof client.ResponseBodyError) return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  if (error instanceof client.AuthorizationResponseError) return `${error.error}${error.error_description ? `: ${error.error_description}` : ''}`;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`.slice(0, 300);
  }
  return 'unknown error';
}

export type AuthorizationRequest = { url: URL; state: string; nonce: string; codeVerifier: string };

/** The authorization code flow with PKCE (S256), state and nonce. */
export async function authorizationRequest(config: client.Configuration, loginHint: string): Promise<AuthorizationRequest> {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrl(),
    scope: 'openid email profile',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    login_hint: loginHint,
  });
  return { url, state, nonce, codeVerifier };
}

/** Exchanges the code and verifies the ID token (signature, issuer, audience, expiry, nonce). */
export async function verifiedClaims(
  config: client.Configuration,
  currentUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string },
): Promise<{ email: string | null; emailVerified: boolean; subject: string }> {
  const tokens = await client.authorizationCodeGrant(config, currentUrl, {
    pkceCodeVerifier: checks.codeVerifier,
    expectedState: checks.state,
    expectedNonce: checks.nonce,
    idTokenExpected: true,
  });
  const idToken = tokens.claims();
  if (!idToken) throw new Error('no ID token');
  // Providers that keep the ID token small give the email from the UserInfo endpoint instead;
  // openid-client checks that its subject is the ID token's.
  const claims = typeof idToken.email === 'string' ? idToken : await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
  return {
    email: typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : null,
    // Only a boolean true counts (some providers send the string "true"; we do not guess).
    emailVerified: claims.email_verified === true,
    subject: idToken.sub,
  };
}
