/**
 * `npm run oidc:dev`: a local OpenID Provider to try Domain sign-in with the demo (the same one
 * the tests use). Any email address signs in, with any password; addresses starting with
 * "unverified" come back with an unverified email.
 */
import { startOidcProvider, TEST_CLIENT } from '../tests/servers/oidc-provider';

const port = Number(process.env.OIDC_PORT ?? 4400);
const app = (process.env.APP_URL ?? `http://localhost:${process.env.PORT ?? 3000}`).replace(/\/$/, '');
const provider = await startOidcProvider({
  port,
  redirectUri: [`${app}/api/auth/sso/callback`, `http://127.0.0.1:${process.env.PORT ?? 3000}/api/auth/sso/callback`],
});
console.log(`Local OpenID Provider at ${provider.issuer}
  Issuer URL     ${provider.issuer}
  Client ID      ${TEST_CLIENT.clientId}
  Client secret  ${TEST_CLIENT.clientSecret}
Enter these at ${app}/settings/identity-provider as owner@acme.example. Ctrl+C stops it.`);
process.on('SIGINT', () => void provider.stop().then(() => process.exit(0)));
