import { randomBytes } from 'node:crypto';

/**
 * The pages' Content-Security-Policy, with a fresh nonce per request. scripts/server.ts sets it
 * on the response, and on the request as well: Next reads the nonce from the request's
 * `Content-Security-Policy` header and puts it on every script it renders. Done in our HTTP
 * server rather than in a Next proxy (middleware), which cost a page about half a millisecond of
 * CPU per request. Not a security boundary for access: every page, action and route authorizes
 * itself.
 */
export function contentSecurityPolicy(options: { pathname: string; nonce: string; stripe: boolean; dev: boolean }): string {
  // Stripe's card fields load only on checkout pages, and only when Stripe is configured.
  const stripe = options.stripe && options.pathname.startsWith('/checkout');
  const stripeJs = stripe ? ' https://js.stripe.com https://*.js.stripe.com' : '';
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${options.nonce}' 'strict-dynamic'${stripeJs}${options.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' blob: data:${stripe ? ' https://*.stripe.com' : ''}`,
    "font-src 'self'",
    `connect-src 'self'${stripe ? ' https://api.stripe.com' : ''}`,
    `frame-src 'self'${stripe ? `${stripeJs} https://hooks.stripe.com` : ''}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Whether a request's response gets the page policy. Not Next's static files, nor API routes and
 * attachment downloads, which set their own headers (an attachment is served with a sandbox policy
 * that must not be replaced).
 */
export function wantsPagePolicy(pathname: string): boolean {
  return !/^\/(?:_next\/|api\/|secure\/attachments(?:\/|$)|favicon\.ico$)/.test(pathname);
}

export function newNonce(): string {
  return randomBytes(16).toString('base64');
}
