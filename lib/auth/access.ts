import type { Permission } from './permissions';

/**
 * Who may call each server action and route handler: the one table the action wrapper reads and
 * the authorization matrix test (e2e/authorization-matrix.spec.ts) checks every exported action
 * and route against. An action or route missing here fails that test.
 */
export type Access =
  | { kind: 'public' }
  /** Machines authenticated by a signature over the body (provider webhooks), never by a session. */
  | { kind: 'signed' }
  /** A signed-in secure-message portal user, acting on their own messages and account. */
  | { kind: 'portal' }
  /** Machines presenting an organisation's API key (Authorization: Bearer …). */
  | { kind: 'api_key' }
  /** The operators' tools presenting a configured bearer token (METRICS_TOKEN), never a session. */
  | { kind: 'operator_token' }
  /**
   * `allowPendingPasswordChange` / `allowPendingEnrolment`: still allowed to an administrator who
   * must first set their own password / set up the second factor their organisation requires.
   */
  /**
   * `stepUp`: a sensitive change (administrators, Domain sign-in, API keys, mail-flow connectors,
   * paying) that also needs a fresh second factor, or the password for an administrator without
   * one, in this session (lib/auth/step-up.ts).
   */
  | { kind: 'administrator'; permission: Permission; allowPendingPasswordChange?: boolean; allowPendingEnrolment?: boolean; stepUp?: boolean };

const PUBLIC = { kind: 'public' } as const;
const SIGNED = { kind: 'signed' } as const;
const PORTAL = { kind: 'portal' } as const;
const API_KEY = { kind: 'api_key' } as const;
const OPERATOR_TOKEN = { kind: 'operator_token' } as const;
const STEP_UP = { stepUp: true } as const;
const admin = (permission: Permission, extra: { allowPendingPasswordChange?: boolean; allowPendingEnrolment?: boolean; stepUp?: boolean } = {}) =>
  ({ kind: 'administrator', permission, ...extra }) as const;

export const actionAccess = {
  signInAction: PUBLIC,
  /** Public: the challenge cookie left by a correct password is what it continues. */
  verifySecondFactorAction: PUBLIC,
  /** Public: the challenge cookie left by a correct password is what it continues. */
  secondFactorPasskeyOptionsAction: PUBLIC,
  verifySecondFactorPasskeyAction: PUBLIC,
  /** Public: a password-less sign-in; the passkey's signature is what authorizes it. */
  passkeySignInOptionsAction: PUBLIC,
  passkeySignInAction: PUBLIC,
  signInMethodAction: PUBLIC,
  startDomainSignInAction: PUBLIC,
  portalSignInMethodAction: PUBLIC,
  startPortalDomainSignInAction: PUBLIC,
  saveIdentityProviderAction: admin('settings.manage', STEP_UP),
  testIdentityProviderAction: admin('settings.manage'),
  removeIdentityProviderAction: admin('settings.manage', STEP_UP),
  unlinkDomainIdentityAction: admin('settings.manage', STEP_UP),
  requestPasswordResetAction: PUBLIC,
  resetPasswordAction: PUBLIC,
  changePasswordAction: admin('account.manage', { allowPendingPasswordChange: true }),
  signOutAction: admin('account.manage', { allowPendingPasswordChange: true, allowPendingEnrolment: true }),
  confirmTotpAction: admin('account.manage', { allowPendingEnrolment: true }),
  regenerateRecoveryCodesAction: admin('account.manage'),
  /** The step-up dialog: confirms it is them with a code or the password (throttled like sign-in). */
  confirmStepUpAction: admin('account.manage'),
  saveTwoFactorRequirementAction: admin('settings.manage', STEP_UP),
  addAdministratorAction: admin('administrators.manage', STEP_UP),
  updateAdministratorAction: admin('administrators.manage', STEP_UP),
  deactivateAdministratorAction: admin('administrators.manage', STEP_UP),
  deactivateAdministratorsAction: admin('administrators.manage', STEP_UP),
  reactivateAdministratorAction: admin('administrators.manage', STEP_UP),
  resetTwoFactorAction: admin('administrators.manage', STEP_UP),
  passkeyRegistrationOptionsAction: admin('account.manage', { allowPendingEnrolment: true }),
  addPasskeyAction: admin('account.manage', { allowPendingEnrolment: true }),
  renamePasskeyAction: admin('account.manage'),
  removePasskeyAction: admin('account.manage'),
  resendEmailChangeAction: admin('administrators.manage'),
  cancelEmailChangeAction: admin('administrators.manage'),
  resendInvitationAction: admin('administrators.manage'),
  revokeInvitationAction: admin('administrators.manage'),
  /** Public: the single-use invitation link is what authorizes it. */
  acceptInvitationAction: PUBLIC,
  /** Public: the single-use link sent to the new address is what authorizes it. */
  confirmEmailChangeAction: PUBLIC,
  addLicensedEmailsAction: admin('licensed_emails.manage'),
  buyLicensesForAddressesAction: admin('billing.pay'),
  renameLicensedEmailAction: admin('licensed_emails.manage'),
  removeLicensedEmailAction: admin('licensed_emails.manage'),
  removeLicensedEmailsAction: admin('licensed_emails.manage'),
  /** Any administrator, for the lists their level shows (checked again in lib/lists/column-preferences.ts). */
  saveColumnPreferencesAction: admin('dashboard.view'),
  checkoutAction: admin('billing.pay'),
  payWithCardAction: admin('billing.pay', STEP_UP),
  confirmCheckAction: admin('billing.pay', STEP_UP),
  startRenewalAction: admin('billing.pay'),
  startLicensePurchaseAction: admin('billing.pay'),
  payInvoiceWithCardAction: admin('billing.pay', STEP_UP),
  saveBillingEmailAction: admin('settings.manage'),
  portalSignInAction: PUBLIC,
  requestPortalPasswordLinkAction: PUBLIC,
  setPortalPasswordAction: PUBLIC,
  changePortalPasswordAction: PORTAL,
  portalSignOutAction: PORTAL,
  sendMessageAction: PORTAL,
  markMessageAction: PORTAL,
  deleteMessageAction: PORTAL,
  markMessagesAction: PORTAL,
  deleteMessagesAction: PORTAL,
  recallOwnMessageAction: PORTAL,
  savePreferencesAction: PORTAL,
  adoptDeviceTimeZoneAction: PORTAL,
  findContactsAction: PORTAL,
  recallMessageAction: admin('secure_messages.manage'),
  saveMessageSettingsAction: admin('settings.manage'),
  createApiKeyAction: admin('settings.manage', STEP_UP),
  revokeApiKeyAction: admin('settings.manage', STEP_UP),
  createConnectorAction: admin('settings.manage', STEP_UP),
  updateConnectorRangesAction: admin('settings.manage', STEP_UP),
  deleteConnectorAction: admin('settings.manage', STEP_UP),
  saveInboundRouteAction: admin('settings.manage', STEP_UP),
  removeInboundRouteAction: admin('settings.manage', STEP_UP),
  generateDkimKeyAction: admin('settings.manage', STEP_UP),
  rotateDkimKeyAction: admin('settings.manage', STEP_UP),
  disableDkimKeyAction: admin('settings.manage', STEP_UP),
  updateRecipientPhoneAction: admin('recipients.manage'),
  deleteRecipientAction: admin('recipients.manage'),
  deleteRecipientsAction: admin('recipients.manage'),
  addSuppressionAction: admin('suppressions.manage'),
  removeSuppressionAction: admin('suppressions.manage'),
  updateSoftBounceSettingsAction: admin('suppressions.manage'),
  sendSmsCodeAction: PORTAL,
  verifySmsCodeAction: PORTAL,
  extendMessageAction: admin('secure_messages.manage'),
  requestPolicyChangeAction: admin('policies.request_change'),
  saveDraftAction: PORTAL,
  deleteDraftAction: PORTAL,
  setLogoAction: admin('settings.manage'),
  removeLogoAction: admin('settings.manage'),
  recallMessagesAction: admin('secure_messages.manage'),
  extendMessagesAction: admin('secure_messages.manage'),
} as const satisfies Record<string, Access>;

export type ActionName = keyof typeof actionAccess;

/** Route handlers by path pattern and method. */
export const routeAccess = {
  '/api/auth/[...nextauth]': { GET: PUBLIC, POST: PUBLIC },
  '/api/auth/sso/callback': { GET: PUBLIC },
  '/api/health': { GET: PUBLIC },
  '/.well-known/security.txt': { GET: PUBLIC },
  '/api/metrics': { GET: OPERATOR_TOKEN },
  '/api/webhooks/stripe': { POST: SIGNED },
  '/secure/attachments': { POST: PORTAL },
  '/api/delivery-events': { POST: API_KEY },
  '/api/webhooks/resend': { POST: SIGNED },
  '/api/webhooks/twilio': { POST: SIGNED },
  '/delivery-events/export': { GET: admin('delivery_events.view') },
  '/suppressions/export': { GET: admin('suppressions.view') },
  '/secure/attachments/[id]': { GET: PORTAL, DELETE: PORTAL },
  '/events/export': { GET: admin('events.export') },
  '/reports/export': { GET: admin('reports.view') },
  '/licensed-emails/export': { GET: admin('licensed_emails.view') },
  '/licensed-emails/import': { POST: admin('licensed_emails.manage') },
  '/invoices/[id]/pdf': { GET: admin('billing.view') },
  '/invoices/pdfs': { GET: admin('billing.view') },
  /** Public like a letterhead: the portal sign-in page and notification emails show it. */
  '/branding/[orgId]/logo': { GET: PUBLIC },
} as const satisfies Record<string, Partial<Record<'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Access>>>;
