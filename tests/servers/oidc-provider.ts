import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

/**
 * A real OpenID Provider (the oidc-provider package) for Domain sign-in tests. Its own login page
 * (devInteractions) takes an email address as "login" and any password; that address is the
 * account's subject and email, verified unless it starts with "unverified"; a login with a "#tag"
 * after the address is a different subject with the same email. Consent is granted automatically
 * for our client.
 */

export const TEST_CLIENT = { clientId: 'sealpost-test', clientSecret: 'test-client-secret-0123456789' } as const;

export async function startOidcProvider(options: { redirectUri: string | string[]; port?: number }) {
  // The issuer needs the port, which the server has only once it listens: listen first.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration: Configuration = {
    clients: [
      {
        client_id: TEST_CLIENT.clientId,
        client_secret: TEST_CLIENT.clientSecret,
        redirect_uris: [options.redirectUri].flat(),
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx, id) => {
      // "someone@x.example#2" is another person (subject) whom the provider gives the same email.
      const email = id.split('#')[0];
      return { accountId: id, claims: () => ({ sub: id, email, email_verified: !id.startsWith('unverified'), name: email }) };
    },
    // Grant what our client asks for, so the test never stops at a consent page.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client?.clientId ?? '');
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client?.clientId, accountId: ctx.oidc.session?.accountId });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified', 'name']);
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());
  return {
    issuer,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Signs in at the provider as a browser would (its own login form, cookies kept), starting from
 * our authorization URL; returns the URL the provider sends the browser back to, unfollowed.
 */
export async function signInAtProvider(authorizationUrl: string, login: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at).trim(), pair.slice(at + 1));
    }
  };
  let url = new URL(authorizationUrl);
  const issuerOrigin = url.origin;
  for (let hop = 0; hop < 10; hop++) {
    let response = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader() } });
    keep(response);
    if (response.status === 200 && url.pathname.startsWith('/interaction/')) {
      const html = await response.text();
      const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1] ?? 'login';
      const body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any-password' } : { prompt });
      const action = prompt === 'login' ? url : new URL(`${url.pathname}/confirm`, url);
      response = await fetch(action, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      keep(response);
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`The provider answered ${response.status} at ${url.pathname} without a redirect`);
    url = new URL(location, url);
    if (url.origin !== issuerOrigin) return url;
  }
  throw new Error('Too many redirects at the provider');
}
