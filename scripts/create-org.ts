/**
 * For operators: creates an organisation and invites its first level-1 administrator, who
 * chooses their own password through the emailed link (single use, 7 days). With no mail
 * transport configured (no RESEND_API_KEY: the outbox, as in demo mode) the link is printed too,
 * for the operator to pass on.
 *
 *   DATABASE_URL=… npm run org:create -- --name "Acme Health" --domain acme.example \
 *     --owner-email it@acme.example --owner-name "Dana Lee" [--licenses 50]
 */
import { parseArgs } from 'node:util';
import { closeDb, createDb } from '@/db/client';
import { runMigrations } from '@/db/migrate';
import { ensurePriceTiers } from '@/db/seed';
import { databaseUrl } from '@/lib/env';
import { isAppError } from '@/lib/errors/app-error';
import { stopBoss } from '@/lib/jobs/runtime';
import { outboxIsEmailTransport } from '@/lib/mail/transport';
import { createOrganisationWithInvitation } from '@/lib/organisations/create-organisation';

const { values } = parseArgs({
  options: {
    name: { type: 'string' },
    domain: { type: 'string', multiple: true },
    'owner-email': { type: 'string' },
    'owner-name': { type: 'string' },
    licenses: { type: 'string', default: '0' },
  },
});

if (!values.name || !values.domain?.length || !values['owner-email']) {
  console.error('Usage: npm run org:create -- --name NAME --domain DOMAIN [--domain …] --owner-email EMAIL [--owner-name NAME] [--licenses N]');
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
  const result = await createOrganisationWithInvitation(db, {
    name: values.name,
    domains: values.domain,
    owner: { name: values['owner-name'] ?? '', email: values['owner-email'] },
    licensesPurchased: licenses,
  });
  console.log(`Created organisation ${values.name} (${result.orgId}) and invited ${values['owner-email']} as its level 1 administrator.`);
  if (outboxIsEmailTransport()) {
    // The invitation stays in the outbox (no mail transport): the operator passes the link on.
    console.log(`No mail transport is configured, so pass this single-use link (valid 7 days) to ${values['owner-email']}:\n${result.invitationUrl}`);
  } else {
    console.log('The invitation email is on its way; the link works once and expires in 7 days.');
  }
} catch (error) {
  console.error(isAppError(error) ? error.message : error);
  process.exitCode = 1;
} finally {
  // The invitation's delivery job was enqueued through the job runner and its own connection:
  // both are closed, or the process would never exit.
  await stopBoss();
  await closeDb();
  await sql.end({ timeout: 5 });
}
