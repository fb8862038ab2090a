/**
 * The built-in test gateway used when no STRIPE_SECRET_KEY is set: it accepts Stripe's test card
 * numbers and nothing else, so no real card is ever taken. Pure.
 */
/** A refusal is `declined` when the bank said no; otherwise the details were mistyped (nothing was tried). */
export type CardOutcome = { ok: true; brand: string; last4: string } | { ok: false; declined: boolean; message: string; field: 'cardNumber' | 'expiry' | 'cvc' };

const DECLINES: Record<string, string> = {
  '4000000000000002': 'Your card was declined.',
  '4000000000009995': 'Your card has insufficient funds.',
  '4000000000000069': 'Your card has expired.',
  '4000000000000127': "Your card's security code is incorrect.",
};
const SUCCEEDS: Record<string, string> = {
  '4242424242424242': 'Visa',
  '4000056655665556': 'Visa (debit)',
  '5555555555554444': 'Mastercard',
  '378282246310005': 'American Express',
};

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function chargeTestCard(card: { number: string; expiry: string; cvc: string }, today: Date): CardOutcome {
  const digits = card.number.replace(/[\s-]/g, '');
  if (!/^\d{13,19}$/.test(digits) || !luhn(digits)) return { ok: false, declined: false, field: 'cardNumber', message: 'Your card number is invalid.' };
  const match = /^(\d{2})\s*\/\s*(\d{2}|\d{4})$/.exec(card.expiry.trim());
  if (!match) return { ok: false, declined: false, field: 'expiry', message: 'Enter the expiry date as MM/YY.' };
  const month = Number(match[1]);
  const year = match[2].length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  if (month < 1 || month > 12) return { ok: false, declined: false, field: 'expiry', message: 'Enter the expiry date as MM/YY.' };
  const endOfMonth = Date.UTC(year, month, 1);
  if (endOfMonth <= today.getTime()) return { ok: false, declined: false, field: 'expiry', message: "Your card's expiration date is in the past." };
  if (!/^\d{3,4}$/.test(card.cvc.trim())) return { ok: false, declined: false, field: 'cvc', message: "Your card's security code is incomplete." };
  if (DECLINES[digits]) return { ok: false, declined: true, field: 'cardNumber', message: DECLINES[digits] };
  const brand = SUCCEEDS[digits];
  if (!brand) return { ok: false, declined: false, field: 'cardNumber', message: 'Test mode accepts only test card numbers, such as 4242 4242 4242 4242.' };
  return { ok: true, brand, last4: digits.slice(-4) };
}
