/**
 * `npm run oidc:dev`: a local OpenID Provider to try Domain sign-in with the demo (the same one
 * the tests use). Any email address signs in, with any password; addresses starting with
 * "unverified" come back with an unverified email.
 */
import { env } from '@/lib/env';
import { startOidcProvider, TEST_CLIENT } from '../tests/servers/oidc-provider';

// OIDC_PORT belongs to this development stand-in, not to the app's configuration (lib/env.ts).
const port = Number(process.env.OIDC_PORT ?? 4400);
const config = env();
const app = config.APP_URL.replace(/\/$/, '');
const provider = await startOidcProvider({
  port,
  redirectUri: [`${app}/api/auth/sso/callback`, `http://127.0.0.1:${config.PORT}/api/auth/sso/callback`],
});
console.log(`Local OpenID Provider at ${provider.issuer}
  Issuer URL     ${provider.issuer}
  Client ID      ${TEST_CLIENT.clientId}
  Client secret  ${TEST_CLIENT.clientSecret}
Enter these at ${app}/settings/identity-provider as owner@acme.example. Ctrl+C stops it.`);
process.on('SIGINT', () => void provider.stop().then(() => process.exit(0)));
