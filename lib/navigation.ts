import type { Permission } from '@/lib/auth/permissions';

/**
 * The administration portal's navigation: the same words and URLs as the pages (one concept, one name). An area is listed here
 * only once it is built; items a level cannot use are hidden by `permission`.
 */
export type NavItem = { href: string; label: string; permission: Permission; icon: NavIcon; group?: NavGroup };
/** The sidebar's sections, in order; the dashboard stands above them. */
export const NAV_GROUPS = ['Licensing & billing', 'Messaging', 'Delivery', 'Organisation'] as const;
export type NavGroup = (typeof NAV_GROUPS)[number];
export type NavIcon = 'dashboard' | 'licensed-emails' | 'invoices' | 'renewals' | 'administrators' | 'events' | 'policies' | 'secure-messages' | 'reports' | 'delivery-events' | 'recipients' | 'suppressions' | 'api-keys' | 'billing-email' | 'domain-sign-in' | 'mail-flow' | 'branding';

export const adminNavigation: NavItem[] = [
  { href: '/dashboard', label: 'Dashboard', permission: 'dashboard.view', icon: 'dashboard' },
  { href: '/licensed-emails', label: 'Licensed emails', permission: 'licensed_emails.view', icon: 'licensed-emails', group: 'Licensing & billing' },
  { href: '/invoices', label: 'Invoices', permission: 'billing.view', icon: 'invoices', group: 'Licensing & billing' },
  { href: '/renewals', label: 'Renewals', permission: 'billing.view', icon: 'renewals', group: 'Licensing & billing' },
  { href: '/administrators', label: 'Administrators', permission: 'administrators.view', icon: 'administrators', group: 'Organisation' },
  { href: '/events', label: 'Events', permission: 'events.view', icon: 'events', group: 'Organisation' },
  { href: '/policies', label: 'Policies', permission: 'policies.view', icon: 'policies', group: 'Messaging' },
  { href: '/secure-messages', label: 'Secure messages', permission: 'secure_messages.view', icon: 'secure-messages', group: 'Messaging' },
  { href: '/reports', label: 'Reports', permission: 'reports.view', icon: 'reports', group: 'Messaging' },
  { href: '/delivery-events', label: 'Delivery events', permission: 'delivery_events.view', icon: 'delivery-events', group: 'Delivery' },
  { href: '/recipients', label: 'Recipients', permission: 'recipients.view', icon: 'recipients', group: 'Delivery' },
  { href: '/suppressions', label: 'Suppressions', permission: 'suppressions.view', icon: 'suppressions', group: 'Delivery' },
  { href: '/settings/api-keys', label: 'API keys', permission: 'settings.manage', icon: 'api-keys', group: 'Organisation' },
  { href: '/settings/branding', label: 'Branding', permission: 'settings.manage', icon: 'branding', group: 'Organisation' },
  { href: '/settings/billing', label: 'Billing email', permission: 'settings.manage', icon: 'billing-email', group: 'Licensing & billing' },
  { href: '/settings/identity-provider', label: 'Domain sign-in', permission: 'settings.manage', icon: 'domain-sign-in', group: 'Organisation' },
  { href: '/settings/mail-flow', label: 'Mail flow', permission: 'settings.manage', icon: 'mail-flow', group: 'Delivery' },
];
