/**
 * For operators: answers an organisation's policy change request (sent to SEALPOST_OPERATORS_EMAIL
 * from /policies, with its reference). The administrator who asked sees the new state on /policies
 * and gets an email; the organisation's events record it.
 *
 *   DATABASE_URL=… npm run policy-request -- --id REFERENCE --state in_progress|done|declined [--note "…"]
 */
import { parseArgs } from 'node:util';
import { closeDb, createDb } from '@/db/client';
import { databaseUrl } from '@/lib/env';
import { isAppError } from '@/lib/errors/app-error';
import { stopBoss } from '@/lib/jobs/runtime';
import { answerPolicyChangeRequest } from '@/lib/policies/answer-policy-change-request';

const STATES = ['in_progress', 'done', 'declined'] as const;
const { values } = parseArgs({ options: { id: { type: 'string' }, state: { type: 'string' }, note: { type: 'string' } } });

const state = STATES.find((s) => s === values.state);
if (!values.id || !state) {
  console.error(`Usage: npm run policy-request -- --id REFERENCE --state ${STATES.join('|')} [--note "…"]`);
  process.exit(2);
}

const { sql, db } = createDb(databaseUrl(), 1);
try {
  const result = await answerPolicyChangeRequest(db, { id: values.id, state, note: values.note });
  console.log(result.changed ? `Request ${values.id} is now ${state}; the administrator who asked is told by email.` : `Request ${values.id} was already ${result.state}; nothing changed.`);
} catch (error) {
  console.error(isAppError(error) ? error.message : error);
  process.exitCode = 1;
} finally {
  await stopBoss();
  await closeDb();
  await sql.end({ timeout: 5 });
}
