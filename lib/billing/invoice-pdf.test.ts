import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvCache } from '@/lib/env';
import { invoiceRenderToken, verifyInvoiceRenderToken } from './invoice-pdf';

const saved = process.env.AUTH_SECRET;
beforeAll(() => {
  process.env.AUTH_SECRET = 'render-token-test-secret-0123456789abcdef';
  resetEnvCache();
});
afterAll(() => {
  if (saved === undefined) delete process.env.AUTH_SECRET;
  else process.env.AUTH_SECRET = saved;
  resetEnvCache();
});

describe('invoice render tokens', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  const orgId = randomUUID();
  const invoiceId = randomUUID();

  it('let the print page show that one invoice of that organisation, for five minutes', () => {
    const token = invoiceRenderToken(orgId, invoiceId, now);
    expect(verifyInvoiceRenderToken(token, invoiceId, now)).toBe(orgId);
    expect(verifyInvoiceRenderToken(token, invoiceId, new Date(now.getTime() + 4 * 60_000))).toBe(orgId);
    expect(verifyInvoiceRenderToken(token, invoiceId, new Date(now.getTime() + 6 * 60_000))).toBeNull();
    expect(verifyInvoiceRenderToken(token, randomUUID(), now)).toBeNull();
  });

  it('refuse anything changed, missing or made with another secret', () => {
    const token = invoiceRenderToken(orgId, invoiceId, now);
    const [, expires, signature] = token.split('.');
    expect(verifyInvoiceRenderToken(`${randomUUID()}.${expires}.${signature}`, invoiceId, now)).toBeNull();
    expect(verifyInvoiceRenderToken(`${orgId}.${Number(expires) + 1000}.${signature}`, invoiceId, now)).toBeNull();
    expect(verifyInvoiceRenderToken(`${orgId}.${expires}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`, invoiceId, now)).toBeNull();
    expect(verifyInvoiceRenderToken('', invoiceId, now)).toBeNull();
    expect(verifyInvoiceRenderToken(null, invoiceId, now)).toBeNull();
    expect(verifyInvoiceRenderToken('garbage', invoiceId, now)).toBeNull();
    // A token valid for far longer than five minutes was not made here.
    process.env.AUTH_SECRET = 'another-secret-entirely-0123456789abcdef';
    resetEnvCache();
    expect(verifyInvoiceRenderToken(token, invoiceId, now)).toBeNull();
  });
});
