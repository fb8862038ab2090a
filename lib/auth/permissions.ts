/**
 * The one permission table: which administrator level may do what. Pages, actions, route
 * handlers and the navigation all read it; the authorization matrix test checks every action
 * against it.
 */
export type AdminLevel = 1 | 2 | 3;

export const LEVEL_NAMES: Record<AdminLevel, string> = {
  1: 'Full access',
  2: 'General administration',
  3: 'Read-only',
};

export const permissions = {
  'dashboard.view': [1, 2, 3],
  'licensed_emails.view': [1, 2, 3],
  'licensed_emails.manage': [1, 2],
  'billing.view': [1, 2, 3],
  'billing.pay': [1],
  'administrators.view': [1, 2, 3],
  'administrators.manage': [1],
  'events.view': [1, 2, 3],
  'events.export': [1, 2, 3],
  'policies.view': [1, 2, 3],
  /** Policies are configured by Sealpost operators; administrators who run the mail ask them for changes. */
  'policies.request_change': [1, 2],
  'secure_messages.view': [1, 2, 3],
  'secure_messages.manage': [1, 2],
  'reports.view': [1, 2, 3],
  'delivery_events.view': [1, 2, 3],
  'recipients.view': [1, 2, 3],
  'recipients.manage': [1, 2],
  'suppressions.view': [1, 2, 3],
  'suppressions.manage': [1, 2],
  'settings.manage': [1],
  /** Every administrator manages their own password and session. */
  'account.manage': [1, 2, 3],
} as const satisfies Record<string, readonly AdminLevel[]>;

export type Permission = keyof typeof permissions;

export function can(level: AdminLevel, permission: Permission): boolean {
  return (permissions[permission] as readonly AdminLevel[]).includes(level);
}

export function isAdminLevel(value: unknown): value is AdminLevel {
  return value === 1 || value === 2 || value === 3;
}
