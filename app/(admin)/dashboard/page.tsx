import { CalendarClock, History, Mail, MailCheck, ReceiptText, ScrollText, ShieldCheck, Users } from '@/components/ui/icons';
import Link from 'next/link';
import type { Metadata } from 'next';
import { connection } from 'next/server';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { LEVEL_NAMES } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { auditActorLabel } from '@/lib/audit/queries';
import { getDashboardSummary, listOpenInvoices, mailFiguresLastWeek, MAIL_FIGURES_DAYS } from '@/lib/dashboard/queries';
import { formatCents, formatDateTime, formatDay, plural } from '@/lib/format';
import { STATUS_LABEL, subscriptionState, summariseSubscriptionState } from '@/lib/licensing/subscription-state';
import { describeTerm, renewalIsOpen } from '@/lib/licensing/term';
import { can } from '@/lib/auth/permissions';
import { mailFlowLastDay } from '@/lib/mailflow/queries';
import { describePolicy } from '@/lib/policies/describe';
import { listPolicies } from '@/lib/policies/queries';
import { phonelessRecipientsNotice } from '@/lib/recipients/recipients';
import { Alert } from '@/components/ui/alert';
import { BuyLicensesButton } from '@/components/checkout/buy-licenses-button';

export const metadata: Metadata = { title: 'Dashboard · Sealpost' };

export default async function DashboardPage() {
  await connection();
  const admin = await requireAdminPage('dashboard.view');
  const now = new Date();
  // Level 1–2 administrators (who can add phone numbers) are told which recipients have none while the SMS policy is on.
  const [summary, policies, phoneless, mailFlow, mail, openInvoices] = await Promise.all([
    getDashboardSummary(getDb(), admin.orgId),
    listPolicies(getDb(), admin.orgId),
    can(admin.level, 'recipients.manage') ? phonelessRecipientsNotice(getDb(), admin.orgId) : null,
    mailFlowLastDay(getDb(), admin.orgId),
    mailFiguresLastWeek(getDb(), admin.orgId, now),
    listOpenInvoices(getDb(), admin.orgId),
  ]);
  const enabledPolicies = policies.filter((p) => p.enabled);
  const today = now.toISOString().slice(0, 10);
  // The delivery log filters whole UTC days: from the day the seven days began.
  const weekAgo = new Date(now.getTime() - MAIL_FIGURES_DAYS * 86_400_000).toISOString().slice(0, 10);
  const sub = summary.subscription;
  const purchased = sub?.licensesPurchased ?? 0;
  const used = summary.licensesUsed;
  const percent = purchased > 0 ? Math.min(100, Math.round((used / purchased) * 100)) : 0;
  const renewalDue = sub ? renewalIsOpen(sub.renewalDate, now) : false;
  const state = sub ? subscriptionState(sub.renewalDate, now) : null;
  const totalAdmins = summary.adminsByLevel[1] + summary.adminsByLevel[2] + summary.adminsByLevel[3];

  return (
    <div className="grid gap-6">
      <PageHeader title="Dashboard" description={`Welcome back, ${admin.name.split(' ')[0]}. Here is ${admin.orgName} at a glance.`} />

      {phoneless && (
        <Alert variant="warning" title="Recipients without a phone number for SMS two-factor">
          <p>
            Your SMS two-factor policy is on, but {phoneless.emails.join(', ')}
            {phoneless.more ? ' and others have' : phoneless.emails.length === 1 ? ' has' : ' have'} no phone number: they open your messages with their
            password alone. <Link href="/recipients?phone=missing">Add their phone numbers</Link>.
          </p>
        </Alert>
      )}

      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
        <Card>
          <CardHeader className="pb-3">
            <CardDescription className="flex flex-wrap items-center justify-between gap-2">
              <span className="flex items-center gap-2">
                <ShieldCheck aria-hidden className="size-4" /> Licenses
              </span>
              <Link href="/licensed-emails" className="font-medium text-brand-600 hover:underline">
                Licensed emails
              </Link>
            </CardDescription>
            <CardTitle className="text-2xl">
              {used.toLocaleString('en-US')} of {purchased.toLocaleString('en-US')} used
            </CardTitle>
          </CardHeader>
          <CardContent className="grid gap-2">
            <div
              role="progressbar"
              aria-label="Licenses used"
              aria-valuemin={0}
              aria-valuemax={purchased}
              aria-valuenow={used}
              aria-valuetext={`${used.toLocaleString('en-US')} of ${plural(purchased, 'license')} used`}
              className="h-2 overflow-hidden rounded-full bg-canvas ring-1 ring-line"
            >
              <div className={`h-full rounded-full ${percent >= 100 ? 'bg-warning-700' : 'bg-brand-600'}`} style={{ width: `${percent}%` }} />
            </div>
            <p className="text-sm text-muted">
              {purchased - used > 0 ? `${plural(purchased - used, 'license')} available` : 'Every license is in use.'}
            </p>
            {/* Buying mid-term needs a running term: after the renewal date the Renew link leads on. */}
            {can(admin.level, 'billing.pay') && state?.status === 'active' && (
              <BuyLicensesButton variant={purchased - used > 0 ? 'outline' : 'primary'} size="sm" className="w-fit" />
            )}
          </CardContent>
        </Card>

        <Card>
          <CardHeader className="pb-3">
            <CardDescription className="flex flex-wrap items-center justify-between gap-2">
              <span className="flex items-center gap-2">
                <MailCheck aria-hidden className="size-4" /> Mail, last {MAIL_FIGURES_DAYS} days
              </span>
              <Link href="/reports" className="font-medium text-brand-600 hover:underline">
                Reports
              </Link>
            </CardDescription>
            <CardTitle className="text-2xl">{plural(mail.sent, 'secure message')} sent</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="grid gap-1 text-sm text-muted">
              <div className="flex justify-between gap-2">
                <dt>
                  <Link href={`/secure-messages?status=read`} className="hover:underline">
                    Read by a recipient
                  </Link>
                </dt>
                <dd className="font-medium text-ink">
                  {mail.read.toLocaleString('en-US')}
                  {mail.sent > 0 && <span className="ml-1 font-normal text-muted">({Math.round((mail.read / mail.sent) * 100)}%)</span>}
                </dd>
              </div>
              <div className="flex justify-between gap-2">
                <dt>
                  <Link href={`/delivery-events?${new URLSearchParams({ q: 'status:bounced', from: weekAgo, to: today }).toString()}`} className="hover:underline">
                    Bounces
                  </Link>
                </dt>
                <dd className={`font-medium ${mail.bounced > 0 ? 'text-warning-700' : 'text-ink'}`}>{mail.bounced.toLocaleString('en-US')}</dd>
              </div>
            </dl>
          </CardContent>
        </Card>

        <Card>
          <CardHeader className="pb-3">
            <CardDescription className="flex items-center gap-2">
              <CalendarClock aria-hidden className="size-4" /> Renewal
            </CardDescription>
            <CardTitle className="text-2xl">{sub ? formatDay(sub.renewalDate) : 'No subscription'}</CardTitle>
          </CardHeader>
          <CardContent className="grid gap-2">
            {state && (
              <p className="flex flex-wrap items-center gap-2 text-sm text-muted">
                <span>
                  Subscription: <Badge variant={state.status === 'active' ? 'success' : state.status === 'expired' ? 'warning' : 'danger'}>{STATUS_LABEL[state.status]}</Badge>
                </span>
                <span className={state.status === 'active' ? undefined : 'font-medium text-ink'}>{summariseSubscriptionState(state)}</span>
                {state.status === 'active' && renewalDue && <Badge variant="warning">Renewal due</Badge>}
              </p>
            )}
            {renewalDue && (
              // Only level 1 pays; the others may look at the renewal's order form.
              <Link href="/renewals" className="w-fit text-sm font-semibold text-brand-600 hover:underline">
                {can(admin.level, 'billing.pay') ? 'Renew' : 'Renewal details'}
              </Link>
            )}
            {sub && <p className="text-sm text-muted">{describeTerm(sub.termStart, sub.renewalDate, now)}.</p>}
          </CardContent>
        </Card>

        <Card>
          <CardHeader className="pb-3">
            <CardDescription className="flex flex-wrap items-center justify-between gap-2">
              <span className="flex items-center gap-2">
                <Users aria-hidden className="size-4" /> Administrators
              </span>
              <Link href="/administrators" className="font-medium text-brand-600 hover:underline">
                All administrators
              </Link>
            </CardDescription>
            <CardTitle className="text-2xl">{plural(totalAdmins, 'active administrator')}</CardTitle>
          </CardHeader>
          <CardContent>
            <ul className="grid gap-1 text-sm text-muted">
              {([1, 2, 3] as const).map((level) => (
                <li key={level} className="flex justify-between gap-2">
                  <span>
                    Level {level} · {LEVEL_NAMES[level]}
                  </span>
                  <span className="font-medium text-ink">{summary.adminsByLevel[level]}</span>
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      </div>

      <Card>
        <CardHeader>
          <div className="flex flex-wrap items-center justify-between gap-2">
            <CardTitle className="flex items-center gap-2">
              <ReceiptText aria-hidden className="size-4" /> Open invoices
            </CardTitle>
            <Link href="/invoices" className="text-sm font-medium text-brand-600 hover:underline">
              All invoices
            </Link>
          </div>
          <CardDescription>
            {openInvoices.count === 0
              ? 'Nothing to pay: every invoice is paid.'
              : `${plural(openInvoices.count, 'open invoice')}, ${formatCents(openInvoices.totalCents)} to pay by check.`}
          </CardDescription>
        </CardHeader>
        {openInvoices.count > 0 && (
          <CardContent>
            <ul aria-label="Open invoices" className="divide-y divide-line">
              {openInvoices.invoices.map((invoice) => {
                const overdue = invoice.dueOn < today;
                return (
                  <li key={invoice.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 py-2 text-sm">
                    <Link href={`/invoices/${invoice.id}`} className="font-medium text-brand-700 hover:underline">
                      Invoice {invoice.number}
                    </Link>
                    <span className="flex flex-wrap items-center gap-2 text-muted">
                      {overdue ? <Badge variant="danger">Overdue</Badge> : null}
                      <span>Due {formatDay(invoice.dueOn)}</span>
                      <span className="font-semibold text-ink tabular-nums">{formatCents(invoice.totalCents)}</span>
                    </span>
                  </li>
                );
              })}
            </ul>
            {openInvoices.count > openInvoices.invoices.length && (
              <p className="mt-2 text-sm text-muted">
                and {(openInvoices.count - openInvoices.invoices.length).toLocaleString('en-US')} more at{' '}
                <Link href="/invoices" className="text-brand-600 hover:underline">
                  Invoices
                </Link>
                .
              </p>
            )}
          </CardContent>
        )}
      </Card>

      <Card>
        <CardHeader>
          <div className="flex items-center justify-between gap-2">
            <CardTitle className="flex items-center gap-2">
              <Mail aria-hidden className="size-4" /> Mail flow, last 24 hours
            </CardTitle>
            <Link href="/settings/mail-flow" className="text-sm font-medium text-brand-600 hover:underline">
              Mail flow
            </Link>
          </div>
          <CardDescription>
            {plural(mailFlow.accepted, 'message')} accepted from your mail server; what became of their recipients so far.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-3 lg:grid-cols-6">
            {(
              [
                ['Accepted', mailFlow.accepted],
                ['Delivered', mailFlow.delivered],
                ['To the portal', mailFlow.portal],
                ['Queued', mailFlow.queued],
                ['Deferred', mailFlow.deferred],
                ['Bounced', mailFlow.bounced],
              ] as const
            ).map(([label, value]) => (
              <div key={label} className="rounded-md bg-canvas px-3 py-2">
                <dt className="text-muted">{label}</dt>
                <dd className="text-xl font-semibold text-ink">{value.toLocaleString('en-US')}</dd>
              </div>
            ))}
          </dl>
        </CardContent>
      </Card>

      <div className="grid gap-6 lg:grid-cols-[1fr_1.4fr]">
      <Card>
        <CardHeader>
          <div className="flex items-center justify-between gap-2">
            <CardTitle>Policies</CardTitle>
            <Link href="/policies" className="text-sm font-medium text-brand-600 hover:underline">
              All policies
            </Link>
          </div>
          <CardDescription>How your outgoing mail is handled.</CardDescription>
        </CardHeader>
        <CardContent>
          {enabledPolicies.length === 0 ? (
            <EmptyState icon={ScrollText} title="No policies in force" description="Mail is delivered normally." />
          ) : (
            <ul className="grid gap-2">
              {enabledPolicies.map((policy) => (
                <li key={policy.id} className="rounded-md bg-canvas px-3 py-2 text-sm">
                  <span className="font-medium">{policy.name}:</span> {describePolicy(policy)}
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <div className="flex items-center justify-between gap-2">
            <CardTitle>Recent events</CardTitle>
            <Link href="/events" className="text-sm font-medium text-brand-600 hover:underline">
              All events
            </Link>
          </div>
          <CardDescription>The latest changes and sign-ins in your organisation.</CardDescription>
        </CardHeader>
        <CardContent>
          {summary.recentEvents.length === 0 ? (
            <EmptyState icon={History} title="No events yet" description="Sign-ins and changes will appear here as they happen." />
          ) : (
            <ol aria-label="Recent events" className="divide-y divide-line">
              {/* Each event said once: its summary is the sentence ("… signed in"); the kind's label
                  would only repeat it, so the second line says who and when, and leads to the whole event. */}
              {summary.recentEvents.map((event) => (
                <li key={event.id} className="grid gap-1 py-3">
                  <p className="text-sm font-medium [overflow-wrap:anywhere]">
                    <Link href={`/events/${event.id}`} className="hover:underline">
                      {event.summary}
                    </Link>
                  </p>
                  <p className="text-xs text-muted">
                    {auditActorLabel(event) ? `${auditActorLabel(event)} · ` : ''}
                    <time dateTime={event.occurredAt.toISOString()}>{formatDateTime(event.occurredAt)}</time>
                  </p>
                </li>
              ))}
            </ol>
          )}
        </CardContent>
      </Card>
      </div>
    </div>
  );
}
