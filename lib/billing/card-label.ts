/**
 * How a card is named on invoices and receipts: "Visa ending 4242". Stripe names brands by id
 * (`visa`, `amex`); the test gateway by name ("Visa", "American Express"). Pure.
 */
const BRANDS: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  american_express: 'American Express',
  discover: 'Discover',
  diners: 'Diners Club',
  jcb: 'JCB',
  unionpay: 'UnionPay',
  cartes_bancaires: 'Cartes Bancaires',
  eftpos_au: 'eftpos',
  interac: 'Interac',
  link: 'Link',
};

export function cardBrandName(brand: string): string {
  const key = brand.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if (BRANDS[key]) return BRANDS[key];
  const text = brand.trim();
  return text === '' || key === 'unknown' ? 'Card' : text[0].toUpperCase() + text.slice(1);
}

/** Empty when there is no card (a check), or nothing is known of it. */
export function cardLabel(card: { cardBrand: string; cardLast4: string }): string {
  if (!card.cardBrand && !card.cardLast4) return '';
  const brand = cardBrandName(card.cardBrand);
  return /^\d{4}$/.test(card.cardLast4) ? `${brand} ending ${card.cardLast4}` : brand;
}

/** "Credit card (Visa ending 4242)", "Check (Net 30)", "Check (Net 30), paid by Visa ending 4242". */
export function paymentLabel(invoice: { paymentMethod: 'card' | 'check'; status: 'open' | 'paid' | 'void'; cardBrand?: string; cardLast4?: string }): string {
  const card = cardLabel({ cardBrand: invoice.cardBrand ?? '', cardLast4: invoice.cardLast4 ?? '' });
  if (invoice.paymentMethod === 'card') return card ? `Credit card (${card})` : 'Credit card';
  return card && invoice.status === 'paid' ? `Check (Net 30), paid by ${card}` : 'Check (Net 30)';
}
