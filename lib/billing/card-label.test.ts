import { describe, expect, it } from 'vitest';
import { cardBrandName, cardLabel, paymentLabel } from './card-label';
import { paperSizeFor } from './paper-size';
import { invoicePurpose } from './invoice-purpose';

describe('card labels', () => {
  it.each([
    ['visa', 'Visa'],
    ['amex', 'American Express'],
    ['Visa (debit)', 'Visa (debit)'],
    ['mastercard', 'Mastercard'],
    ['unknown', 'Card'],
    ['', 'Card'],
    ['elo', 'Elo'],
  ])('brand %j → %j', (brand, name) => expect(cardBrandName(brand)).toBe(name));

  it('names the card, or nothing for a check', () => {
    expect(cardLabel({ cardBrand: 'visa', cardLast4: '4242' })).toBe('Visa ending 4242');
    expect(cardLabel({ cardBrand: 'visa', cardLast4: '' })).toBe('Visa');
    expect(cardLabel({ cardBrand: '', cardLast4: '' })).toBe('');
    expect(paymentLabel({ paymentMethod: 'card', status: 'paid', cardBrand: 'amex', cardLast4: '0005' })).toBe('Credit card (American Express ending 0005)');
    expect(paymentLabel({ paymentMethod: 'card', status: 'paid' })).toBe('Credit card');
    expect(paymentLabel({ paymentMethod: 'check', status: 'open' })).toBe('Check (Net 30)');
    expect(paymentLabel({ paymentMethod: 'check', status: 'paid', cardBrand: 'Visa', cardLast4: '4242' })).toBe('Check (Net 30), paid by Visa ending 4242');
  });
});

describe('paperSizeFor', () => {
  it.each([
    ['United States', 'Letter'],
    ['USA', 'Letter'],
    ['us', 'Letter'],
    ['United States of America', 'Letter'],
    ['Germany', 'A4'],
    ['Canada', 'A4'],
    ['GB', 'A4'],
    ['', 'A4'],
    ['Narnia', 'A4'],
  ])('%j → %s', (country, size) => expect(paperSizeFor(country)).toBe(size));
});

describe('invoicePurpose', () => {
  const line = { description: 'x', quantity: 3, unitPriceCents: 2700, amountCents: 100 };
  it('says what the invoice was for, with its service period when recorded', () => {
    expect(invoicePurpose({ kind: 'licenses', quantity: 3, lines: [line] })).toBe('3 licenses added');
    expect(invoicePurpose({ kind: 'licenses', quantity: 1, lines: [{ ...line, period: { from: '2026-10-01', to: '2027-01-01' } }] })).toBe('1 license added, 1 Oct 2026 – 1 Jan 2027');
    expect(invoicePurpose({ kind: 'renewal', quantity: 50, lines: [{ ...line, period: { from: '2027-01-01', to: '2028-01-01' } }] })).toBe('Renewal of 50 licenses, 1 Jan 2027 – 1 Jan 2028');
  });
});
