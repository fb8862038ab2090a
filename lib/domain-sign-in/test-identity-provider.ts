import 'server-only';
import { getDb } from '@/db/client';
import type { AdminActor } from '@/lib/auth/actor';
import { AppError } from '@/lib/errors/app-error';
import { trimEndMatching } from '@/lib/trim';
import { callbackUrl, discover } from './oidc';
import { getProviderForSignIn } from './queries';
import { assertCanManageIdentityProvider } from './save-identity-provider';
import { openSecret } from './secret-box';

export type ConnectionReport = {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  pkceS256: boolean;
  scopes: string[];
  redirectUri: string;
};

/**
 * "Test connection": OpenID discovery with the values on the form (the stored secret when the
 * field is empty), reporting what the provider says about itself. Changes nothing.
 */
export async function testIdentityProvider(input: { actor: AdminActor; issuer: string; clientId: string; clientSecret: string }): Promise<ConnectionReport> {
  assertCanManageIdentityProvider(input.actor);
  const issuer = trimEndMatching(input.issuer.trim(), /\//);
  let secret = input.clientSecret;
  if (!secret) {
    // The stored secret is only ever handed to the issuer it was stored for (discovery does not
    // send it, but the configuration built here must not carry it to another issuer either).
    const stored = await getProviderForSignIn(getDb(), input.actor.orgId);
    secret = stored && stored.issuer === issuer ? openSecret(stored.clientSecretEncrypted) : 'unused-for-discovery';
  }
  const config = await discover({ issuer, clientId: input.clientId.trim(), clientSecret: secret });
  const meta = config.serverMetadata();
  if (!meta.authorization_endpoint || !meta.token_endpoint) throw new AppError('unavailable', 'The provider does not publish an authorization and a token endpoint.');
  return {
    issuer: meta.issuer,
    authorizationEndpoint: meta.authorization_endpoint,
    tokenEndpoint: meta.token_endpoint,
    jwksUri: meta.jwks_uri ?? '',
    pkceS256: (meta.code_challenge_methods_supported ?? []).includes('S256'),
    scopes: meta.scopes_supported ?? [],
    redirectUri: callbackUrl(),
  };
}
