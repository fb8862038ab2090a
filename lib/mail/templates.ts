/** Email bodies. Plain text is the source of truth; the HTML is a simple, safe rendering of it. */
export type RenderedEmail = { subject: string; text: string; html: string };

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Who a message is from, at the top of its notification: the organisation's name and (absolute) logo address. */
export type EmailBrand = { name: string; logoUrl: string | null };

function brandHeader(brand: EmailBrand | undefined): string {
  if (!brand) return '';
  const logo = brand.logoUrl ? `<img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brand.name)} logo" height="40" style="height:40px;max-width:200px;vertical-align:middle;margin-right:12px">` : '';
  return `<div style="margin:0 0 20px;padding:0 0 16px;border-bottom:1px solid #e2e8f0">${logo}<span style="font-size:16px;font-weight:600;vertical-align:middle">${escapeHtml(brand.name)}</span></div>`;
}

function layout(title: string, paragraphs: string[], action?: { label: string; url: string }, brand?: EmailBrand): string {
  const body = paragraphs.map((p) => `<p style="margin:0 0 16px">${escapeHtml(p)}</p>`).join('');
  const button = action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="background:#2452e0;color:#fff;padding:10px 18px;border-radius:8px;text-decoration:none;font-weight:600">${escapeHtml(action.label)}</a></p><p style="margin:0 0 16px;color:#526077;font-size:13px">Or paste this link into your browser: ${escapeHtml(action.url)}</p>`
    : '';
  return `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;background:#f6f8fb;padding:24px"><div style="max-width:560px;margin:auto;background:#fff;border:1px solid #e2e8f0;border-radius:12px;padding:28px">${brandHeader(brand)}<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(title)}</h1>${body}${button}<p style="margin:24px 0 0;color:#526077;font-size:12px">Sealpost secure email</p></div></body></html>`;
}

export function passwordResetEmail(input: { name: string; url: string; hours: number }): RenderedEmail {
  const subject = 'Reset your Sealpost password';
  const lines = [
    `Hello ${input.name},`,
    `Someone asked to reset the password of your Sealpost account. The link below works once and expires in ${input.hours} hours.`,
    'If it was not you, ignore this email: your password stays as it is.',
  ];
  return {
    subject,
    text: `${lines[0]}\n\n${lines[1]}\n\n${input.url}\n\n${lines[2]}\n`,
    html: layout(subject, lines, { label: 'Reset password', url: input.url }),
  };
}

/** `resetUrl`: where to ask for a reset link, for someone who did not make the change. */
export function passwordChangedEmail(input: { name: string; resetUrl: string }): RenderedEmail {
  const subject = 'Your Sealpost password was changed';
  const lines = [
    `Hello ${input.name},`,
    'The password of your Sealpost account was just changed, and every other session was signed out.',
    'If this was you, there is nothing to do. If it was not, reset your password at once with the link below and tell your administrator.',
  ];
  return {
    subject,
    text: `${lines.join('\n\n')}\n\n${input.resetUrl}\n`,
    html: layout(subject, lines, { label: 'Reset password', url: input.resetUrl }),
  };
}

export function renewalReminderEmail(input: { name: string; organisation: string; renewalDate: string; days: number; licenses: number; url: string }): RenderedEmail {
  const when = input.days === 1 ? 'tomorrow' : `in ${input.days} days`;
  const subject = `Your Sealpost subscription renews ${when}`;
  const lines = [
    `Hello ${input.name},`,
    `${input.organisation}'s Sealpost subscription (${input.licenses} licenses) renews on ${input.renewalDate}, ${when}.`,
    'Renew by card or check from the Renewals page so secure email keeps working without interruption.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.url}\n`, html: layout(subject, lines, { label: 'Renew now', url: input.url }) };
}

export function portalPasswordEmail(input: { url: string; hours: number; firstTime: boolean }): RenderedEmail {
  const subject = input.firstTime ? 'Create your Sealpost password' : 'Reset your Sealpost password';
  const lines = [
    input.firstTime
      ? 'Use the link below to create the password you will read and send secure messages with.'
      : 'Someone asked to reset the password you use to read secure messages.',
    `The link works once and expires in ${input.hours} hours. If you did not ask for it, ignore this email.`,
  ];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.url}\n`, html: layout(subject, lines, { label: input.firstTime ? 'Create password' : 'Reset password', url: input.url }) };
}

/**
 * `sentAt` and `openedAt` are already formatted the way the sender reads dates (their portal
 * preferences). Neither this nor the notification names the message's subject: it is encrypted at
 * rest, and email (and the outbox it waits in) is not.
 */
export function readReceiptEmail(input: { reader: string; sentAt: string; openedAt: string; url: string }): RenderedEmail {
  const subject = `Read by ${input.reader}: your secure message of ${input.sentAt}`;
  const lines = [`${input.reader} opened your secure message of ${input.sentAt} on ${input.openedAt}.`];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.url}\n`, html: layout(subject, lines, { label: 'View the message', url: input.url }) };
}

export function messageNotificationEmail(input: { from: string; url: string; firstTime: boolean; organisation?: EmailBrand }): RenderedEmail {
  const org = input.organisation?.name;
  const subject = org ? `Secure message from ${input.from} (${org})` : `Secure message from ${input.from}`;
  const lines = [
    org ? `${input.from} of ${org} sent you a secure message.` : `${input.from} sent you a secure message.`,
    input.firstTime
      ? 'Open the link below to create your password (the link works once and expires in 24 hours), then sign in to read it.'
      : 'Open the link below and sign in to read it.',
  ];
  return {
    subject,
    text: `${lines.join('\n\n')}\n\n${input.url}\n`,
    html: layout(subject, lines, { label: input.firstTime ? 'Create password and read' : 'Read the message', url: input.url }, input.organisation),
  };
}

/**
 * To every active level 1 administrator when the organisation's Domain sign-in settings change:
 * whoever controls the identity provider controls who signs in, so such a change must never go
 * unnoticed. `when` is already formatted.
 */
export function identityProviderChangedEmail(input: { name: string; organisation: string; actor: string; when: string; changes: string[]; url: string }): RenderedEmail {
  const subject = `Domain sign-in settings of ${input.organisation} were changed`;
  const lines = [
    `Hello ${input.name},`,
    `${input.actor} changed the Domain sign-in (identity provider) settings of ${input.organisation} on ${input.when}:`,
    ...input.changes.map((change) => `• ${change}`),
    'If you did not expect this change, review the settings at once and tell your other level 1 administrators.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.url}\n`, html: layout(subject, lines, { label: 'Review Domain sign-in', url: input.url }) };
}

/** To the new address of an administrator's email change: the change happens only when this link is opened. */
export function confirmEmailChangeEmail(input: { name: string; oldEmail: string; newEmail: string; requestedBy: string; url: string; hours: number }): RenderedEmail {
  const subject = 'Confirm your new Sealpost email address';
  const lines = [
    `Hello ${input.name},`,
    `${input.requestedBy} asked to change the email address you sign in to Sealpost with from ${input.oldEmail} to ${input.newEmail}.`,
    `Open the link below to confirm that this address is yours. It works once and expires in ${input.hours} hours; until then you keep signing in with ${input.oldEmail}.`,
    'If you did not expect this, ignore this email: nothing changes.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.url}\n`, html: layout(subject, lines, { label: 'Confirm email address', url: input.url }) };
}

/** To the old address of an administrator's email change, when it is asked for and when it is made. */
export function emailChangeNoticeEmail(input: { name: string; oldEmail: string; newEmail: string; requestedBy: string; done: boolean }): RenderedEmail {
  const subject = input.done ? 'Your Sealpost email address was changed' : 'A change of your Sealpost email address was requested';
  const lines = [
    `Hello ${input.name},`,
    input.done
      ? `The email address you sign in to Sealpost with is now ${input.newEmail} instead of ${input.oldEmail}: the change was confirmed from the new address.`
      : `${input.requestedBy} asked to change the email address you sign in to Sealpost with from ${input.oldEmail} to ${input.newEmail}. It changes only when the link sent to ${input.newEmail} is opened; until then you keep signing in with this address.`,
    'If you did not expect this, tell a level 1 administrator of your organisation at once.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n`, html: layout(subject, lines) };
}

/** To a new administrator: the single-use link where they choose their own password. */
export function administratorInvitationEmail(input: { name: string; organisation: string; invitedBy: string; level: number; url: string; days: number }): RenderedEmail {
  const subject = `You are invited to administer ${input.organisation} on Sealpost`;
  const lines = [
    `Hello ${input.name},`,
    `${input.invitedBy} invited you to be a level ${input.level} administrator of ${input.organisation} on Sealpost.`,
    `Open the link below to choose your password; then sign in with this email address. The link works once and expires in ${input.days} days.`,
    'If you did not expect this, ignore this email: no account is created.',
  ];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.url}\n`, html: layout(subject, lines, { label: 'Accept the invitation', url: input.url }) };
}

/** To the Sealpost operators: an administrator asks for a change to their organisation's policies (/policies). */
export function policyChangeRequestEmail(input: {
  organisation: string;
  orgId: string;
  requestedBy: string;
  policy: string;
  details: string;
  when: string;
  reference: string;
}): RenderedEmail {
  const subject = `Policy change request from ${input.organisation}`;
  const lines = [
    `${input.requestedBy} of ${input.organisation} (organisation ${input.orgId}) asked for a policy change on ${input.when}.`,
    `Policy: ${input.policy}`,
    `Request: ${input.details}`,
    `Reference: ${input.reference}. The request is listed on the organisation's Policies page as "Sent" until its state changes.`,
  ];
  return { subject, text: `${lines.join('\n\n')}\n`, html: layout(subject, lines) };
}

/** To the administrator who asked for a policy change: the Sealpost operators moved it on. */
export function policyChangeAnsweredEmail(input: { name: string; policy: string; details: string; state: string; note: string; url: string }): RenderedEmail {
  const subject = `Your policy change request: ${input.state}`;
  const lines = [
    `Hello ${input.name},`,
    `Sealpost has marked your change request for "${input.policy}" as: ${input.state}.`,
    ...(input.note ? [`Their note: ${input.note}`] : []),
    `Your request: ${input.details}`,
  ];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.url}\n`, html: layout(subject, lines, { label: 'See your policies', url: input.url }) };
}

/** A card payment's receipt; the invoice PDF is attached. */
export function paymentReceiptEmail(input: { organisation: string; number: string; total: string; purpose: string; card: string; paidOn: string; url: string }): RenderedEmail {
  const subject = `Receipt for invoice ${input.number}: ${input.total} paid`;
  const lines = [
    `Thank you: ${input.organisation} paid ${input.total} on ${input.paidOn}${input.card ? ` with ${input.card}` : ''}.`,
    `For: ${input.purpose}. Invoice ${input.number} is attached as a PDF, marked paid.`,
  ];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.url}\n`, html: layout(subject, lines, { label: 'View the invoice', url: input.url }) };
}

/** A check order's invoice, due by check; the invoice PDF is attached. */
export function checkInvoiceEmail(input: { organisation: string; number: string; total: string; purpose: string; dueOn: string; url: string }): RenderedEmail {
  const subject = `Invoice ${input.number}: ${input.total} due ${input.dueOn}`;
  const lines = [
    `Invoice ${input.number} for ${input.organisation} is attached as a PDF: ${input.total}, due ${input.dueOn}.`,
    `For: ${input.purpose}. The licenses are granted already.`,
    `Mail a check to Sealpost Inc., Accounts Receivable, PO Box 4410, Boston, MA 02101 with the invoice number on it, or pay it by card from the invoice page.`,
  ];
  return { subject, text: `${lines.join('\n\n')}\n\n${input.url}\n`, html: layout(subject, lines, { label: 'View or pay the invoice', url: input.url }) };
}
