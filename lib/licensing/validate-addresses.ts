import type { DbOrTx } from '@/db/client';
import { AppError } from '@/lib/errors/app-error';
import { checkLicensedAddress, parseLicensedEmailCsv } from './csv-import';
import { findLicensed, listOrgDomains } from './queries';

/** A CSV import: one pass to collect candidates, one query for those already licensed, one final pass. */
export async function validateCsv(db: DbOrTx, orgId: string, text: string) {
  const domains = await listOrgDomains(db, orgId);
  const draft = parseLicensedEmailCsv(text, { domains, alreadyLicensed: () => false });
  const licensed = await findLicensed(db, draft.emails);
  return { domains, ...parseLicensedEmailCsv(text, { domains, alreadyLicensed: (email) => licensed.has(email) }) };
}

export type ManualProblem = { index: number; message: string };

/**
 * Addresses typed on the Manual tab, checked with the same rules as a CSV line (domain,
 * duplicates, already licensed); problems point at the row they came from.
 */
export async function validateManualAddresses(db: DbOrTx, orgId: string, addresses: string[]) {
  const domains = await listOrgDomains(db, orgId);
  const domainSet = new Set(domains.map((d) => d.toLowerCase()));
  const problems: ManualProblem[] = [];
  const firstRow = new Map<string, number>();
  const candidates: { index: number; email: string }[] = [];
  addresses.forEach((raw, index) => {
    const check = checkLicensedAddress(raw, domainSet);
    if (!check.ok) {
      problems.push({
        index,
        message: check.reason === 'wrong_domain' ? `Use one of your domains (${domains.join(', ')}).` : `This is not an email address: ${check.detail}.`,
      });
      return;
    }
    const seen = firstRow.get(check.email);
    if (seen !== undefined) {
      problems.push({ index, message: `This address is already in row ${seen + 1}.` });
      return;
    }
    firstRow.set(check.email, index);
    candidates.push({ index, email: check.email });
  });
  const licensed = await findLicensed(
    db,
    candidates.map((c) => c.email),
  );
  for (const c of candidates) if (licensed.has(c.email)) problems.push({ index: c.index, message: 'This address is already licensed.' });
  problems.sort((a, b) => a.index - b.index);
  return { domains, emails: candidates.filter((c) => !licensed.has(c.email)).map((c) => c.email), problems };
}

/** The message of a refusal by `assertAddressesCanBeLicensed`; each address's own reason is its field error. */
export const ADDRESSES_REFUSED = 'Some addresses cannot be added. Fix the highlighted rows.';

/**
 * The rule for every way an address becomes licensed (added by hand, ordered with licenses): it
 * is an email address in one of the organisation's domains, given once, and not licensed already
 * (in any organisation: an address is licensed once). Returns the addresses in lower case; refuses
 * with `invalid_input` and one field error per bad address, keyed `emails.<index in the input>`.
 * A CSV import checks the same rule line by line with its own report (validateCsv).
 */
export async function assertAddressesCanBeLicensed(db: DbOrTx, orgId: string, addresses: string[]): Promise<string[]> {
  const { emails, problems } = await validateManualAddresses(db, orgId, addresses);
  if (problems.length > 0) throw new AppError('invalid_input', ADDRESSES_REFUSED, Object.fromEntries(problems.map((p) => [`emails.${p.index}`, [p.message]])));
  return emails;
}
