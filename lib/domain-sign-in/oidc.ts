import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
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
 * Whether this deployment may use identity providers on this machine or a private network: only
 * when the app itself is served over plain http (development, tests, the local demo). A production
 * deployment (https) talks only to public providers, so "Test connection" cannot be used to probe
 * the server's own ports or its internal network.
 */
function localIssuersAllowed(): boolean {
  return new URL(env().APP_URL).protocol === 'http:';
}

/** Loopback, private, link-local, shared, reserved and multicast ranges (IPv4 and IPv6). */
const notPublic = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) notPublic.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) notPublic.addSubnet(net, prefix, 'ipv6');

function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return isPublicAddress(mapped);
  return !notPublic.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * `dns.lookup` that refuses non-public addresses: the check is made on the address the connection
 * is about to use, so a name that resolves to a public address for the check and to a private one
 * a moment later (DNS rebinding) gains nothing.
 */
function checkedLookup(allowed: (address: string) => boolean) {
  return (hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) =>
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      if (list.length === 0 || !list.every((a) => allowed(a.address))) {
        return callback(Object.assign(new Error(NOT_PUBLIC), { code: 'ENOTPUBLIC' }), []);
      }
      if (options.all) return callback(null, list);
      callback(null, list[0].address, list[0].family);
    });
}

/**
 * The fetch openid-client uses for a production deployment's identity provider: node:https whose
 * every connection goes to an address `allowed` accepts, answered as a fetch Response. Redirects
 * are not followed (openid-client asks for 'manual'), and answers are capped at 1 MB. `ca` is for
 * tests (a local server's certificate).
 */
export function guardedFetch(allowed: (address: string) => boolean, tls: { ca?: string } = {}): client.CustomFetch {
  // Its own agent, so its pooled connections are only ever ones its own check let through.
  const agent = new https.Agent({ keepAlive: true, lookup: checkedLookup(allowed), ...tls });
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      if (target.protocol !== 'https:') return reject(new Error('The identity provider must be reached over https.'));
      // An address written as a number is connected to without a lookup: check it here.
      const literal = target.hostname.replace(/^\[|\]$/g, '');
      if (isIP(literal) && !allowed(literal)) return reject(new Error(NOT_PUBLIC));
      const body = options.body instanceof URLSearchParams ? options.body.toString() : options.body;
      if (body instanceof ReadableStream) return reject(new Error('Streamed request bodies are not supported.'));
      const request = https.request(target, { method: options.method, headers: options.headers, agent, signal: options.signal, timeout: 10_000 }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 1_000_000) response.destroy(new Error('The identity provider answered with more than 1 MB.'));
          else chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          const status = response.statusCode ?? 502;
          resolve(new Response([101, 204, 205, 304].includes(status) ? null : Buffer.concat(chunks), { status, headers }));
        });
      });
      request.on('timeout', () => request.destroy(new Error('The identity provider did not answer within 10 seconds.')));
      request.on('error', reject);
      request.end(body === undefined || body === null ? undefined : typeof body === 'string' ? body : Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body));
    });
}

export const publicOnlyFetch = guardedFetch(isPublicAddress);

export const NOT_PUBLIC = 'The issuer must be on the public internet: this address points at a private or local network.';

/** Refuses an issuer whose host is, or resolves to, a non-public address (unless local issuers are allowed). */
export async function assertPublicIssuer(issuer: URL): Promise<void> {
  if (localIssuersAllowed()) return;
  const host = issuer.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    throw new AppError('unavailable', `The identity provider at ${issuer.origin} could not be found (no such host).`);
  }
  if (addresses.length === 0 || !addresses.every(isPublicAddress)) throw new AppError('invalid_input', NOT_PUBLIC);
}

/**
 * An issuer must be https; plain http only on this machine's loopback address (a provider run
 * locally for development and tests), and only where local issuers are allowed.
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
  if (url.protocol === 'http:' && isLoopback(url) && localIssuersAllowed()) return null;
  return 'The issuer URL must start with https://.';
}

export type ProviderSettings = { issuer: string; clientId: string; clientSecret: string };

export async function discover(settings: ProviderSettings): Promise<client.Configuration> {
  const problem = issuerProblem(settings.issuer);
  if (problem) throw new AppError('invalid_input', problem);
  const issuer = new URL(settings.issuer);
  await assertPublicIssuer(issuer);
  let config: client.Configuration;
  // Every later request of this configuration (token, keys, user info) goes through the same fetch.
  const guarded = localIssuersAllowed() ? undefined : publicOnlyFetch;
  try {
    config = await client.discovery(issuer, settings.clientId, settings.clientSecret, undefined, {
      execute: isLoopback(issuer) ? [client.allowInsecureRequests] : [],
      timeout: 10,
      ...(guarded ? { [client.customFetch]: guarded } : {}),
    });
    if (guarded) config[client.customFetch] = guarded;
  } catch (error) {
    throw new AppError('unavailable', `The identity provider at ${issuer.origin} could not be discovered: ${describe(error)}`);
  }
  // The server calls the token and key endpoints itself: they must be public too (checked here for
  // a clear message; `publicOnlyFetch` holds to it at each connection).
  const metadata = config.serverMetadata();
  for (const endpoint of [metadata.token_endpoint, metadata.jwks_uri, metadata.userinfo_endpoint]) {
    if (endpoint) await assertPublicIssuer(new URL(endpoint));
  }
  return config;
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
