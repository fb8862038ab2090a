/**
 * For operators: creates an organisation and its first level-1 administrator, who must change
 * the given password at first sign-in.
 *
 *   DATABASE_URL=… npm run org:create -- --name "Acme Health" --domain acme.example \
 *     --owner-email it@acme.example --owner-name "Dana Lee" --password 'Initial-Passw0rd!' [--licenses 50]
 */
import { parseArgs } from 'node:util';
import { createDb } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { ensurePriceTiers } from '@/db/seed';
import { databaseUrl } from '@/lib/env';
import { isAppError } from '@/lib/errors/app-error';
import { createOrganisation } from '@/lib/organisations/create-organisation';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    domain: { type: 'string', multiple: true },
    'owner-email': { type: 'string' },
    'owner-name': { type: 'string' },
    password: { type: 'string' },
    licenses: { type: 'string', default: '0' },
  },
});

if (!values.name || !values.domain?.length || !values['owner-email'] || !values.password) {
  console.error('Usage: npm run org:create -- --name NAME --domain DOMAIN [--domain …] --owner-email EMAIL [--owner-name NAME] --password PASSWORD [--licenses N]');
  process.exit(2);
}
const licenses = Number(values.licenses);
if (!Number.isInteger(licenses) || licenses < 0) {
  console.error('--licenses must be a whole number.');
  process.exit(2);
}

const { sql, db } = createDb(databaseUrl(), 1);
try {
  await runMigrations(db);
  await ensurePriceTiers(db);
  const result = await createOrganisation(db, {
    name: values.name,
    domains: values.domain,
    owner: { name: values['owner-name'] ?? '', email: values['owner-email'], password: values.password, mustChangePassword: true },
    licensesPurchased: licenses,
  });
  console.log(`Created organisation ${values.name} (${result.orgId}). ${values['owner-email']} must change the password at first sign-in.`);
} catch (error) {
  console.error(isAppError(error) ? error.message : error);
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
}
