import type { Permission } from '@/lib/auth/permissions';

/**
 * The administration portal's navigation, in SPEC's words and URLs. An area is listed here
 * only once it is built; items a level cannot use are hidden by `permission`.
 */
export type NavItem = { href: string; label: string; permission: Permission; icon: NavIcon };
export type NavIcon = 'dashboard' | 'licensed-emails' | 'invoices' | 'renewals' | 'administrators' | 'events' | 'policies' | 'secure-messages' | 'reports' | 'delivery-events' | 'recipients' | 'suppressions' | 'settings' | 'domain-sign-in' | 'mail-flow';

export const adminNavigation: NavItem[] = [
  { href: '/dashboard', label: 'Dashboard', permission: 'dashboard.view', icon: 'dashboard' },
  { href: '/licensed-emails', label: 'Licensed emails', permission: 'licensed_emails.view', icon: 'licensed-emails' },
  { href: '/invoices', label: 'Invoices', permission: 'billing.view', icon: 'invoices' },
  { href: '/renewals', label: 'Renewals', permission: 'billing.view', icon: 'renewals' },
  { href: '/administrators', label: 'Administrators', permission: 'administrators.view', icon: 'administrators' },
  { href: '/events', label: 'Events', permission: 'events.view', icon: 'events' },
  { href: '/policies', label: 'Policies', permission: 'policies.view', icon: 'policies' },
  { href: '/secure-messages', label: 'Secure messages', permission: 'secure_messages.view', icon: 'secure-messages' },
  { href: '/reports', label: 'Reports', permission: 'reports.view', icon: 'reports' },
  { href: '/delivery-events', label: 'Delivery events', permission: 'delivery_events.view', icon: 'delivery-events' },
  { href: '/recipients', label: 'Recipients', permission: 'recipients.view', icon: 'recipients' },
  { href: '/suppressions', label: 'Suppressions', permission: 'suppressions.view', icon: 'suppressions' },
  { href: '/settings/api-keys', label: 'API keys', permission: 'settings.manage', icon: 'settings' },
  { href: '/settings/identity-provider', label: 'Domain sign-in', permission: 'settings.manage', icon: 'domain-sign-in' },
  { href: '/settings/mail-flow', label: 'Mail flow', permission: 'settings.manage', icon: 'mail-flow' },
];
