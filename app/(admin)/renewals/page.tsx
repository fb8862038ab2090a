import { CalendarClock } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { OrderSummary } from '@/components/checkout/order-summary';
import { StartRenewalButton } from '@/components/checkout/start-renewal-button';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { quoteRenewal } from '@/lib/billing/pricing';
import { getInvoice } from '@/lib/billing/queries';
import { REMINDER_DAYS } from '@/lib/billing/renewal-reminders';
import { formatDay, plural } from '@/lib/format';
import { getLicenseUsage, getOrganisationBilling, listPriceTiers } from '@/lib/licensing/queries';
import { addDays, daysUntil, describeTerm, RENEWAL_WINDOW_DAYS, renewalIsOpen, renewedTerm } from '@/lib/licensing/term';
import { isUuid } from '@/lib/ids';

export const metadata: Metadata = { title: 'Renewals · Sealpost' };

export default async function RenewalsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const admin = await requireAdminPage('billing.view');
  const raw = await searchParams;
  const db = getDb();
  const invoiceId = isUuid(raw.invoice) ? raw.invoice : null;
  const [usage, tiers, org, invoice] = await Promise.all([
    getLicenseUsage(db, admin.orgId),
    listPriceTiers(db),
    getOrganisationBilling(db, admin.orgId),
    invoiceId ? getInvoice(db, admin.orgId, invoiceId) : Promise.resolve(null),
  ]);
  const now = new Date();
  if (!usage.renewalDate || !usage.termStart || !org) {
    return <EmptyState icon={CalendarClock} title="No subscription" description="Contact Sealpost to start a subscription." />;
  }
  const open = renewalIsOpen(usage.renewalDate, now);
  const daysLeft = daysUntil(usage.renewalDate, now);
  const next = renewedTerm(usage.renewalDate, now);
  const licenses = Math.max(usage.purchased, usage.used, 1);
  const quote = quoteRenewal({ tiers, licenses, discountBps: org.discountBps, taxBps: org.taxRateBps });

  return (
    <div className="grid gap-6">
      <PageHeader title="Renewals" description={describeTerm(usage.termStart, usage.renewalDate, now)} />
      {invoice && (
        <Alert variant="success" title={`Renewed — invoice ${invoice.number}`}>
          Your subscription now runs until {formatDay(usage.renewalDate)}. <a href={`/invoices/${invoice.id}/pdf`}>Save the invoice as a PDF</a> or{' '}
          <Link href={`/invoices/${invoice.id}`}>view it</Link>.
        </Alert>
      )}
      <Card className="max-w-3xl">
        <CardHeader>
          <CardTitle>{open ? 'Your renewal is open' : `Renewal opens ${formatDay(addDays(usage.renewalDate, -RENEWAL_WINDOW_DAYS))}`}</CardTitle>
          <CardDescription>
            {daysLeft >= 0 ? `${plural(daysLeft, 'day')} until ${formatDay(usage.renewalDate)}.` : `The renewal date passed ${plural(-daysLeft, 'day')} ago.`}{' '}
            {next.termStart === usage.renewalDate
              ? `Paying extends the term by one year from ${formatDay(usage.renewalDate)}.`
              : `The subscription lapsed more than a year ago: paying starts a new term today, until ${formatDay(next.renewalDate)}.`}{' '}
            Reminder emails go to level 1 administrators {REMINDER_DAYS.join(', ')} days before.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-5">
          <p className="text-sm">
            Renewal order: <span className="font-medium">{plural(licenses, 'license')}</span>, all at the price of the tier their total falls in.
          </p>
          <OrderSummary order={{ ...quote, kind: 'renewal', unitPriceCents: quote.tier.unitPriceCents }} />
          {open && can(admin.level, 'billing.pay') && (
            <div className="flex justify-end">
              <StartRenewalButton />
            </div>
          )}
          {open && !can(admin.level, 'billing.pay') && <Alert>Only level 1 administrators can renew. Ask one of them to complete the renewal.</Alert>}
        </CardContent>
      </Card>
    </div>
  );
}
