import type { Permission } from '@/lib/auth/permissions';

/**
 * The administration portal's navigation, in SPEC's words and URLs. An area is listed here
 * only once it is built; items a level cannot use are hidden by `permission`.
 */
export type NavItem = { href: string; label: string; permission: Permission; icon: NavIcon };
export type NavIcon = 'dashboard' | 'administrators' | 'events' | 'policies';

export const adminNavigation: NavItem[] = [
  { href: '/dashboard', label: 'Dashboard', permission: 'dashboard.view', icon: 'dashboard' },
  { href: '/administrators', label: 'Administrators', permission: 'administrators.view', icon: 'administrators' },
  { href: '/events', label: 'Events', permission: 'events.view', icon: 'events' },
  { href: '/policies', label: 'Policies', permission: 'policies.view', icon: 'policies' },
];
