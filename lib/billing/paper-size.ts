import { countryCodeFor } from '@/lib/countries';

/**
 * The paper an organisation's invoices are printed on: US Letter for a United States address, A4
 * everywhere else (and when the country is not given). Pure.
 */
export function paperSizeFor(country: string): 'Letter' | 'A4' {
  return countryCodeFor(country) === 'US' ? 'Letter' : 'A4';
}
