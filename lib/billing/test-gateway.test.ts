import { describe, expect, it } from 'vitest';
import { chargeTestCard } from './test-gateway';

const today = new Date('2026-11-22T12:00:00Z');
const card = (number: string, expiry = '12/30', cvc = '123') => chargeTestCard({ number, expiry, cvc }, today);

describe('test gateway', () => {
  it('accepts 4242 4242 4242 4242 with spaces', () => {
    expect(card('4242 4242 4242 4242')).toEqual({ ok: true, brand: 'Visa', last4: '4242' });
  });
  it.each([
    ['4000 0000 0000 0002', 'Your card was declined.'],
    ['4000 0000 0000 9995', 'Your card has insufficient funds.'],
    ['4242 4242 4242 4241', 'Your card number is invalid.'],
    ['4111 1111 1111 1111', 'Test mode accepts only test card numbers, such as 4242 4242 4242 4242.'],
    ['abcd', 'Your card number is invalid.'],
  ])('refuses %s', (number, message) => {
    expect(card(number)).toMatchObject({ ok: false, message });
  });
  it('checks the expiry and security code', () => {
    expect(card('4242424242424242', '10/26')).toMatchObject({ ok: false, field: 'expiry' });
    expect(card('4242424242424242', '11/26')).toMatchObject({ ok: true });
    expect(card('4242424242424242', '13/30')).toMatchObject({ ok: false, field: 'expiry' });
    expect(card('4242424242424242', '12/30', '1')).toMatchObject({ ok: false, field: 'cvc' });
  });
});
