import type { Permission } from '@/lib/auth/permissions';

/**
 * The administration portal's navigation, in SPEC's words and URLs. An area is listed here
 * only once it is built; items a level cannot use are hidden by `permission`.
 */
export type NavItem = { href: string; label: string; permission: Permission; icon: NavIcon };
export type NavIcon = 'dashboard';

export const adminNavigation: NavItem[] = [{ href: '/dashboard', label: 'Dashboard', permission: 'dashboard.view', icon: 'dashboard' }];
