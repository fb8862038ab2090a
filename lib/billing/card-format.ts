/**
 * The card form formats as people type: the number in groups of four, the expiry as MM/YY with
 * the slash added. Pure; the server reads digits only (lib/billing/test-gateway.ts).
 */
export const CARD_NUMBER_MAX_DIGITS = 19;

export function formatCardNumber(value: string): string {
  const digits = value.replace(/\D/g, '').slice(0, CARD_NUMBER_MAX_DIGITS);
  return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/**
 * `deleting`: the user removed a character, so a slash they just deleted is not put back (else
 * "12/" could never become "1" with Backspace). A first digit above 1 can only be a month 0–9.
 */
export function formatExpiry(value: string, deleting = false): string {
  let digits = value.replace(/\D/g, '').slice(0, 4);
  if (digits.length === 1 && Number(digits) > 1) digits = `0${digits}`;
  if (digits.length > 2) return `${digits.slice(0, 2)}/${digits.slice(2)}`;
  if (digits.length === 2 && !deleting) return `${digits}/`;
  return digits;
}

/**
 * Where the caret goes after formatting: after as many digits as were before it in the typed
 * value, so a digit typed in the middle of the number does not throw the caret to the end.
 */
export function caretAfterFormatting(typed: string, caret: number, formatted: string): number {
  const digitsBefore = typed.slice(0, caret).replace(/\D/g, '').length;
  if (digitsBefore === 0) return 0;
  let seen = 0;
  for (let i = 0; i < formatted.length; i++) {
    if (/\d/.test(formatted[i])) seen++;
    if (seen === digitsBefore) {
      // Past a separator that follows (the slash just added) so typing carries on after it.
      let at = i + 1;
      while (at < formatted.length && /\D/.test(formatted[at]) && caret >= typed.length) at++;
      return at;
    }
  }
  return formatted.length;
}
