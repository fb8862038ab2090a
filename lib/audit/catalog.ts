/**
 * Every kind of audit event, named `area.past_tense`, with the label and category shown on
 * /events. Later areas add theirs here.
 */
export const auditCatalog = {
  'auth.signed_in': { label: 'Signed in', category: 'sign-in' },
  'auth.sign_in_failed': { label: 'Failed sign-in', category: 'sign-in' },
  'auth.signed_out': { label: 'Signed out', category: 'sign-in' },
  'auth.password_changed': { label: 'Password changed', category: 'password' },
  'auth.password_reset_requested': { label: 'Password reset requested', category: 'password' },
  'auth.password_reset': { label: 'Password reset', category: 'password' },
  'organisations.created': { label: 'Organisation created', category: 'administrators' },
  'administrators.created': { label: 'Administrator added', category: 'administrators' },
} as const;

export type AuditAction = keyof typeof auditCatalog;
export type AuditCategory = (typeof auditCatalog)[AuditAction]['category'];

export function auditLabel(action: string): string {
  return (auditCatalog as Record<string, { label: string }>)[action]?.label ?? action;
}
