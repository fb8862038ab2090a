import { describe, expect, it } from 'vitest';
import { COUNTRY_CODES, countryCodeFor, countryName, countryOptions, isCountryCode } from './countries';

describe('countries', () => {
  it('lists every ISO 3166-1 country once, by name', () => {
    expect(new Set(COUNTRY_CODES).size).toBe(COUNTRY_CODES.length);
    expect(COUNTRY_CODES.length).toBe(249);
    const options = countryOptions();
    expect(options.find((o) => o.code === 'US')?.name).toBe('United States');
    expect(options.find((o) => o.code === 'DE')?.name).toBe('Germany');
    expect(options.every((o) => o.name !== o.code)).toBe(true);
    expect(options.map((o) => o.name)).toEqual([...options.map((o) => o.name)].sort((a, b) => a.localeCompare(b, 'en')));
  });

  it('reads countries written as free text', () => {
    expect(countryCodeFor('United States')).toBe('US');
    expect(countryCodeFor(' usa ')).toBe('US');
    expect(countryCodeFor('de')).toBe('DE');
    expect(countryCodeFor('germany')).toBe('DE');
    expect(countryCodeFor('UK')).toBe('GB');
    expect(countryCodeFor('Atlantis')).toBe('');
    expect(countryCodeFor('')).toBe('');
    expect(isCountryCode('fr')).toBe(true);
    expect(isCountryCode('XX')).toBe(false);
    expect(countryName('FR')).toBe('France');
  });
});
