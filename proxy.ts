import { NextResponse, type NextRequest } from 'next/server';

/**
 * Adds a per-request nonce Content-Security-Policy. Not a security boundary for access: every
 * page, action and route handler authorizes itself. Upload and API routes stay out of the
 * matcher (Next truncates request bodies that pass through the proxy at 10 MB).
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const isDev = process.env.NODE_ENV === 'development';
  // Stripe's card fields load only on checkout pages, and only when Stripe is configured.
  const stripe = Boolean(process.env.STRIPE_SECRET_KEY?.trim()) && request.nextUrl.pathname.startsWith('/checkout');
  const stripeJs = stripe ? ' https://js.stripe.com https://*.js.stripe.com' : '';
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${stripeJs}${isDev ? " 'unsafe-eval'" : ''}`,
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
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

export const config = {
  matcher: [{ source: '/((?!api/|secure/attachments(?:/|$)|_next/static|_next/image|favicon.ico).*)' }],
};
