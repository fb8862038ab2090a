/**
 * The delivery-route facet (NTA 7516): how each recipient's copy travelled. Stored on every
 * delivery event (`route`, generated from its method and whether the TLS certificate was
 * verified); null for what was never sent (a suppressed address, an unparsed bounce).
 */
export const DELIVERY_ROUTES = ['tls_verified', 'tls_unverified', 'plain', 'secure_portal', 'secure_portal_sms'] as const;
export type DeliveryRoute = (typeof DELIVERY_ROUTES)[number];

export const ROUTE_LABELS: Readonly<Record<DeliveryRoute, string>> = {
  tls_verified: 'TLS, certificate verified',
  tls_unverified: 'TLS, certificate not verified',
  plain: 'Plain (no TLS)',
  secure_portal: 'Secure portal',
  secure_portal_sms: 'Secure portal with SMS',
};

/** Short words for routes in searches (route:verified, route:sms …), besides the stored names. */
export const ROUTE_ALIASES: Readonly<Record<string, DeliveryRoute>> = {
  verified: 'tls_verified',
  unverified: 'tls_unverified',
  none: 'plain',
  portal: 'secure_portal',
  sms: 'secure_portal_sms',
  portal_sms: 'secure_portal_sms',
};

export function isDeliveryRoute(value: unknown): value is DeliveryRoute {
  return typeof value === 'string' && (DELIVERY_ROUTES as readonly string[]).includes(value);
}

/** A route from what people type: a stored name (any case, hyphens or spaces for underscores) or an alias. */
export function routeNamed(text: string): DeliveryRoute | null {
  const value = text.trim().toLowerCase().replace(/[-\s]+/g, '_');
  if (isDeliveryRoute(value)) return value;
  return Object.hasOwn(ROUTE_ALIASES, value) ? ROUTE_ALIASES[value] : null;
}
