import { describe, expect, it } from 'vitest';
import { formatPhone, maskPhone, normalisePhone } from '@/lib/phone';

describe('normalisePhone', () => {
  it('accepts national US input with the default country and international input, as E.164', () => {
    expect(normalisePhone('(617) 555-0142', 'US')).toEqual({ ok: true, e164: '+16175550142', display: '+1 617 555 0142' });
    expect(normalisePhone(' +44 20 7946 0321 ')).toEqual({ ok: true, e164: '+442079460321', display: '+44 20 7946 0321' });
    expect(normalisePhone('+1.617.555.0188')).toMatchObject({ ok: true, e164: '+16175550188' });
  });

  it('refuses letters, empty input and punctuation only', () => {
    expect(normalisePhone('call me', 'US')).toEqual({ ok: false, message: 'This is not a phone number.' });
    expect(normalisePhone('1-800-FLOWERS', 'US')).toEqual({ ok: false, message: 'This is not a phone number.' });
    expect(normalisePhone('---', 'US')).toEqual({ ok: false, message: 'This is not a phone number.' });
    expect(normalisePhone('   ', 'US')).toEqual({ ok: false, message: 'Enter a phone number.' });
  });

  it('says when a number is too short or too long', () => {
    expect(normalisePhone('617 555 014', 'US')).toEqual({ ok: false, message: 'This phone number is too short.' });
    expect(normalisePhone('+1 617 555 01888')).toEqual({ ok: false, message: 'This phone number is too long.' });
    expect(normalisePhone('+1 617 555 0188 123456')).toEqual({ ok: false, message: 'This phone number is too long.' });
  });

  it('asks for a country code when there is no default country', () => {
    const result = normalisePhone('617 555 0142');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/country code/);
  });

  it('refuses numbers of the right length that no country uses', () => {
    expect(normalisePhone('+1 011 555 0142')).toMatchObject({ ok: false });
  });
});

describe('formatPhone and maskPhone', () => {
  it('formats stored numbers and masks the middle', () => {
    expect(formatPhone('+16175550188')).toBe('+1 617 555 0188');
    expect(maskPhone('+16175550188')).toBe('+1 617 ••• 0188');
    expect(maskPhone('+442079460321')).toBe('+44 20 ••• 0321');
    expect(maskPhone(null)).toBe('none');
  });
});
