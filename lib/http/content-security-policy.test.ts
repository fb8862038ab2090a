import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, newNonce, wantsPagePolicy } from './content-security-policy';

const directives = (csp: string) => Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));

describe('the pages’ Content-Security-Policy', () => {
  it('lets only scripts carrying the request’s nonce run, and nothing from elsewhere', () => {
    const csp = directives(contentSecurityPolicy({ pathname: '/licensed-emails', nonce: 'abc123', stripe: true, dev: false }));
    expect(csp['script-src']).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);
  });

  it('allows Stripe only on checkout pages, and only when Stripe is configured', () => {
    const checkout = directives(contentSecurityPolicy({ pathname: '/checkout/123', nonce: 'n', stripe: true, dev: false }));
    expect(checkout['script-src']).toContain('https://js.stripe.com');
    expect(checkout['connect-src']).toContain('https://api.stripe.com');
    expect(checkout['frame-src']).toContain('https://hooks.stripe.com');
    const unconfigured = contentSecurityPolicy({ pathname: '/checkout/123', nonce: 'n', stripe: false, dev: false });
    expect(unconfigured).not.toContain('stripe');
  });

  it('allows eval only in development', () => {
    expect(contentSecurityPolicy({ pathname: '/', nonce: 'n', stripe: false, dev: true })).toContain("'unsafe-eval'");
    expect(contentSecurityPolicy({ pathname: '/', nonce: 'n', stripe: false, dev: false })).not.toContain("'unsafe-eval'");
  });

  it('is given to pages, not to static files, API routes or attachment downloads', () => {
    for (const page of ['/', '/licensed-emails', '/secure/inbox', '/secure/messages/1', '/invoices/1/print', '/apiary']) expect(wantsPagePolicy(page)).toBe(true);
    for (const other of ['/_next/static/chunks/a.js', '/api/health', '/secure/attachments', '/secure/attachments/1', '/favicon.ico']) expect(wantsPagePolicy(other)).toBe(false);
  });

  it('makes a new unguessable nonce each time', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    expect(nonces.size).toBe(100);
    expect([...nonces][0]).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});
