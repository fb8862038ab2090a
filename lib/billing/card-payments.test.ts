import { describe, expect, it } from 'vitest';
import { parseEnv } from '@/lib/env';
import { cardPayments as cardPaymentsOf, cardPaymentsStartupNotice as noticeOf } from './card-payments';

// The decision as the server makes it: from the environment checked by lib/env.ts.
const cardPayments = (source: Record<string, string>) => cardPaymentsOf(parseEnv(source));
const cardPaymentsStartupNotice = (source: Record<string, string>) => noticeOf(parseEnv(source));

const STRIPE = { STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc', NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' };
const PRODUCTION = { NODE_ENV: 'production', DATABASE_URL: 'postgres://db.example/sealpost', AUTH_SECRET: 'a-production-secret-0123456789abcdef' };

describe('cardPayments', () => {
  it.each([
    ['production with Stripe', { ...PRODUCTION, ...STRIPE }, 'stripe'],
    ['demo with Stripe', { ...PRODUCTION, SEALPOST_DEMO: '1', ...STRIPE }, 'stripe'],
    ['production without Stripe', PRODUCTION, 'off'],
    ['production with SEALPOST_DEMO=0', { ...PRODUCTION, SEALPOST_DEMO: '0' }, 'off'],
    ['production with SEALPOST_DEMO=false', { ...PRODUCTION, SEALPOST_DEMO: 'false' }, 'off'],
    ['production with an empty key', { ...PRODUCTION, STRIPE_SECRET_KEY: ' ' }, 'off'],
    ['development on a real database', { ...PRODUCTION, NODE_ENV: 'development' }, 'off'],
    ['demo mode (npm start without DATABASE_URL, or the browser tests)', { ...PRODUCTION, SEALPOST_DEMO: '1' }, 'test_gateway'],
    ['demo mode spelt true', { ...PRODUCTION, SEALPOST_DEMO: 'true' }, 'test_gateway'],
    ['the test runner', { ...PRODUCTION, NODE_ENV: 'test' }, 'test_gateway'],
  ])('%s → %s', (_, source, mode) => {
    expect(cardPayments(source).mode).toBe(mode);
  });

  it('a half-set Stripe configuration is an error, never a silent fall back to the test gateway', () => {
    expect(() => cardPayments({ ...PRODUCTION, SEALPOST_DEMO: '1', STRIPE_SECRET_KEY: 'sk_live_abc' })).toThrow(/STRIPE_WEBHOOK_SECRET must be set when STRIPE_SECRET_KEY is; NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY must be set/);
  });
});

describe('cardPaymentsStartupNotice (npm start)', () => {
  it('names the variables to set when a real deployment has no card payments, and is silent otherwise', () => {
    expect(cardPaymentsStartupNotice(PRODUCTION)).toBe(
      'Card payments are off (checks only): set STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY to take cards through Stripe; the built-in test gateway runs only in demo mode (SEALPOST_DEMO=1).',
    );
    expect(cardPaymentsStartupNotice({ ...PRODUCTION, ...STRIPE })).toBeNull();
    expect(cardPaymentsStartupNotice({ ...PRODUCTION, SEALPOST_DEMO: '1' })).toBeNull();
  });
});
