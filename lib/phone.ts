import { ParseError, parsePhoneNumberWithError, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js/max';

/**
 * Phone numbers — recipients' numbers for SMS two-factor sign-in (/recipients) and administrators'
 * contact numbers (/administrators): validated with libphonenumber's full metadata, stored as E.164, shown in
 * international format.
 */
export type PhoneResult = { ok: true; e164: string; display: string } | { ok: false; message: string };

const NOT_A_NUMBER = 'This is not a phone number.';
const FORMAT_HINT = 'Use the international format, e.g. +1 617 555 0142.';

const lengthMessages: Record<string, string> = {
  TOO_SHORT: 'This phone number is too short.',
  TOO_LONG: 'This phone number is too long.',
  INVALID_LENGTH: 'This phone number does not have the right number of digits.',
  INVALID_COUNTRY: `Add the country code. ${FORMAT_HINT}`,
  NOT_A_NUMBER,
};

export function normalisePhone(input: string, defaultCountry?: 'US'): PhoneResult {
  const text = input.trim();
  if (!text) return { ok: false, message: 'Enter a phone number.' };
  if (text.length > 40 || /\p{L}/u.test(text) || !/\d/.test(text)) return { ok: false, message: NOT_A_NUMBER };
  const country: CountryCode | undefined = defaultCountry;
  try {
    const number = parsePhoneNumberWithError(text, country);
    if (number.isValid()) return { ok: true, e164: number.number, display: number.formatInternational() };
    const length = validatePhoneNumberLength(text, country);
    if (length) return { ok: false, message: lengthMessages[length] ?? NOT_A_NUMBER };
    return { ok: false, message: `This is not a valid phone number for its country. ${FORMAT_HINT}` };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, message: lengthMessages[e.message] ?? NOT_A_NUMBER };
    throw e;
  }
}

/** A stored E.164 number in international format ("+1 617 555 0188"), or the raw value if it does not parse. */
export function formatPhone(e164: string): string {
  try {
    return parsePhoneNumberWithError(e164).formatInternational();
  } catch {
    return e164;
  }
}

/** For audit summaries: "+1 617 ••• 0188" — the country and area code and the last group only. */
export function maskPhone(e164: string | null): string {
  if (!e164) return 'none';
  const groups = formatPhone(e164).split(' ');
  if (groups.length >= 3) return `${groups.slice(0, 2).join(' ')} ••• ${groups[groups.length - 1]}`;
  return `${e164.slice(0, 3)} ••• ${e164.slice(-4)}`;
}
