import { trimEndMatching, trimMatching } from '@/lib/trim';
import commonPasswordList from './common-passwords.json';

/**
 * The password rules (at least 8 characters with upper and lower case, a digit and punctuation; not a common password; not containing the email's local part; up to 128 characters, never truncated), used by the live checklist in the browser and by the server
 * with the same code. Pure: no I/O.
 *
 * The composition rule (upper, lower, digit, punctuation) is a product requirement even though
 * NIST SP 800-63B-4 advises against composition rules; the blocklist and the length limit follow it.
 */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const commonPasswords = new Set<string>(commonPasswordList as string[]);

export type PasswordRuleId = 'length' | 'upper' | 'lower' | 'digit' | 'punctuation' | 'common' | 'email';

export type PasswordRuleResult = { id: PasswordRuleId; label: string; met: boolean };

/** What people add around a common word to pass the rules: digits, punctuation, symbols, spaces. */
const DECORATION = /[\p{N}\p{P}\p{S}\s]/u;

/** Common passwords dressed up to pass the composition rules ("Password1!", "Summer2024!"). */
export function isCommonPassword(password: string): boolean {
  const lower = password.normalize('NFKC').toLowerCase();
  // Linear trims (lib/trim.ts): `/[…]+$/` is quadratic, and this runs on every keystroke and on
  // whatever length arrives (the length rule is checked beside it, not before it).
  const core = trimMatching(lower, DECORATION);
  const trailingStripped = trimEndMatching(lower, DECORATION);
  return [lower, trailingStripped, core].some((candidate) => candidate.length > 0 && commonPasswords.has(candidate));
}

function emailLocalPart(email: string | undefined): string {
  if (!email) return '';
  const at = email.lastIndexOf('@');
  return (at > 0 ? email.slice(0, at) : email).trim().toLowerCase();
}

export function checkPassword(password: string, context: { email?: string } = {}): PasswordRuleResult[] {
  const local = emailLocalPart(context.email);
  const length = [...password].length;
  return [
    {
      id: 'length',
      label: `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
      met: length >= PASSWORD_MIN_LENGTH && length <= PASSWORD_MAX_LENGTH,
    },
    { id: 'upper', label: 'An upper-case letter', met: /\p{Lu}/u.test(password) },
    { id: 'lower', label: 'A lower-case letter', met: /\p{Ll}/u.test(password) },
    { id: 'digit', label: 'A digit', met: /\p{Nd}/u.test(password) },
    { id: 'punctuation', label: 'A punctuation mark or symbol', met: /[\p{P}\p{S}]/u.test(password) },
    { id: 'common', label: 'Not a commonly used password', met: password.length > 0 && !isCommonPassword(password) },
    {
      id: 'email',
      label: 'Does not contain the name from the email address',
      met: password.length > 0 && (local.length < 3 || !password.toLowerCase().includes(local)),
    },
  ];
}

/** Messages for the rules a password fails; empty when it is acceptable. */
export function passwordProblems(password: string, context: { email?: string } = {}): string[] {
  return checkPassword(password, context)
    .filter((rule) => !rule.met)
    .map((rule) => {
      switch (rule.id) {
        case 'length':
          return `Use ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters.`;
        case 'upper':
          return 'Add an upper-case letter.';
        case 'lower':
          return 'Add a lower-case letter.';
        case 'digit':
          return 'Add a digit.';
        case 'punctuation':
          return 'Add a punctuation mark or symbol.';
        case 'common':
          return 'This password is too common. Choose one that is harder to guess.';
        case 'email':
          return 'Do not use the name from the email address in the password.';
      }
    });
}
