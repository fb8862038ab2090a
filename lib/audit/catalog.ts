/**
 * Every kind of audit event, named `area.past_tense`, with the label and category shown on
 * /events. Later areas add theirs here.
 */
export const auditCatalog = {
  'auth.signed_in': { label: 'Signed in', category: 'sign-in' },
  'auth.sign_in_failed': { label: 'Failed sign-in', category: 'sign-in' },
  'auth.signed_out': { label: 'Signed out', category: 'sign-in' },
  'auth.sms_verified': { label: 'SMS code entered', category: 'sign-in' },
  'auth.two_factor_enabled': { label: 'Two-factor authentication turned on', category: 'sign-in' },
  'auth.recovery_codes_regenerated': { label: 'Recovery codes generated', category: 'sign-in' },
  'auth.stepped_up': { label: 'Identity confirmed for a sensitive change', category: 'sign-in' },
  'auth.step_up_failed': { label: 'Failed identity confirmation', category: 'sign-in' },
  'auth.passkey_added': { label: 'Passkey added', category: 'sign-in' },
  'auth.passkey_renamed': { label: 'Passkey renamed', category: 'sign-in' },
  'auth.passkey_removed': { label: 'Passkey removed', category: 'sign-in' },
  'auth.password_changed': { label: 'Password changed', category: 'password' },
  'auth.password_reset_requested': { label: 'Password reset requested', category: 'password' },
  'auth.password_reset': { label: 'Password reset', category: 'password' },
  'domain_identities.linked': { label: 'Domain sign-in identity linked', category: 'sign-in' },
  'domain_identities.refused': { label: 'Domain sign-in refused: another identity', category: 'sign-in' },
  'domain_identities.unlinked': { label: 'Domain sign-in identity unlinked', category: 'settings' },
  'organisations.two_factor_requirement_changed': { label: 'Two-factor requirement changed', category: 'settings' },
  'organisations.created': { label: 'Organisation created', category: 'administrators' },
  'administrators.created': { label: 'Administrator added', category: 'administrators' },
  'administrators.invited': { label: 'Administrator invited', category: 'administrators' },
  'administrators.invitation_resent': { label: 'Administrator invitation sent again', category: 'administrators' },
  'administrators.invitation_revoked': { label: 'Administrator invitation revoked', category: 'administrators' },
  'administrators.invitation_accepted': { label: 'Administrator invitation accepted', category: 'administrators' },
  'administrators.updated': { label: 'Administrator changed', category: 'administrators' },
  'administrators.email_change_requested': { label: 'Administrator email change requested', category: 'administrators' },
  'administrators.email_change_cancelled': { label: 'Administrator email change cancelled', category: 'administrators' },
  'administrators.email_changed': { label: 'Administrator email changed', category: 'administrators' },
  'administrators.deactivated': { label: 'Administrator deactivated', category: 'administrators' },
  'administrators.reactivated': { label: 'Administrator reactivated', category: 'administrators' },
  'administrators.two_factor_reset': { label: 'Administrator two-factor authentication reset', category: 'administrators' },
  'events.exported': { label: 'Events exported', category: 'exports' },
  'policies.change_requested': { label: 'Policy change requested', category: 'settings' },
  'policies.change_request_answered': { label: 'Policy change request answered', category: 'settings' },
  'reports.exported': { label: 'Report exported', category: 'exports' },
  'licensed_emails.added': { label: 'Licensed emails added', category: 'licenses' },
  'licensed_emails.renamed': { label: 'Licensed email renamed', category: 'licenses' },
  'licensed_emails.removed': { label: 'Licensed email removed', category: 'licenses' },
  'licensed_emails.exported': { label: 'Licensed emails exported', category: 'exports' },
  'licenses.purchased': { label: 'Licenses purchased', category: 'billing' },
  'subscriptions.renewed': { label: 'Subscription renewed', category: 'billing' },
  'payments.declined': { label: 'Payment declined', category: 'billing' },
  'invoices.paid': { label: 'Invoice paid', category: 'billing' },
  'invoices.voided': { label: 'Invoice voided', category: 'billing' },
  'secure_messages.recalled': { label: 'Secure message recalled', category: 'messages' },
  'secure_messages.extended': { label: 'Secure message expiry extended', category: 'messages' },
  'secure_messages.content_destroyed': { label: 'Secure message key destroyed', category: 'messages' },
  'organisations.message_settings_changed': { label: 'Secure message retention or recall setting changed', category: 'settings' },
  'organisations.logo_changed': { label: 'Organisation logo changed', category: 'settings' },
  'organisations.logo_removed': { label: 'Organisation logo removed', category: 'settings' },
  'organisations.billing_email_changed': { label: 'Billing email changed', category: 'settings' },
  'keys.rotated': { label: 'Encryption keys rotated', category: 'settings' },
  'keys.retired': { label: 'Old encryption key retired', category: 'settings' },
  'keys.migrated': { label: 'Stored messages encrypted', category: 'settings' },
  'api_keys.created': { label: 'API key created', category: 'settings' },
  'api_keys.revoked': { label: 'API key revoked', category: 'settings' },
  'mail_connectors.created': { label: 'Mail connector created', category: 'settings' },
  'mail_connectors.updated': { label: 'Mail connector changed', category: 'settings' },
  'mail_connectors.deleted': { label: 'Mail connector deleted', category: 'settings' },
  'mail_flow.refused': { label: 'Mail refused by the gateway', category: 'mail-flow' },
  'mail_flow.inbound_route_changed': { label: 'Inbound route set or changed', category: 'settings' },
  'mail_flow.inbound_route_removed': { label: 'Inbound route removed', category: 'settings' },
  'dkim_keys.generated': { label: 'DKIM key generated', category: 'settings' },
  'dkim_keys.rotated': { label: 'DKIM key rotated', category: 'settings' },
  'dkim_keys.disabled': { label: 'DKIM signing turned off', category: 'settings' },
  'identity_providers.configured': { label: 'Domain sign-in set up or changed', category: 'settings' },
  'identity_providers.removed': { label: 'Domain sign-in turned off', category: 'settings' },
  'recipients.phone_changed': { label: 'Recipient phone changed', category: 'recipients' },
  'recipients.deleted': { label: 'Recipient deleted', category: 'recipients' },
  'delivery_events.exported': { label: 'Delivery events exported', category: 'exports' },
  'suppressions.added': { label: 'Address suppressed by hand', category: 'recipients' },
  'suppressions.added_automatically': { label: 'Address suppressed after a bounce or complaint', category: 'recipients' },
  'suppressions.removed': { label: 'Suppressed address removed', category: 'recipients' },
  'suppressions.settings_changed': { label: 'Soft-bounce suppression changed', category: 'settings' },
  'suppressions.exported': { label: 'Suppression list exported', category: 'exports' },
} as const;

/** The filter choices on /events, in display order. */
export const auditCategories = [
  { id: 'sign-in', label: 'Sign-ins' },
  { id: 'password', label: 'Passwords' },
  { id: 'administrators', label: 'Administrators' },
  { id: 'licenses', label: 'Licensed emails' },
  { id: 'billing', label: 'Purchases and payments' },
  { id: 'messages', label: 'Secure messages' },
  { id: 'recipients', label: 'Recipients' },
  { id: 'settings', label: 'Settings' },
  { id: 'mail-flow', label: 'Mail flow' },
  { id: 'exports', label: 'Exports' },
] as const satisfies readonly { id: AuditCategory; label: string }[];

export function actionsInCategory(category: AuditCategory): AuditAction[] {
  return (Object.keys(auditCatalog) as AuditAction[]).filter((action) => auditCatalog[action].category === category);
}

export type AuditAction = keyof typeof auditCatalog;
export type AuditCategory = (typeof auditCatalog)[keyof typeof auditCatalog]['category'];

export function auditLabel(action: string): string {
  return (auditCatalog as Record<string, { label: string }>)[action]?.label ?? action;
}
