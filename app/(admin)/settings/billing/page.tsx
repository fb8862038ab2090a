import type { Metadata } from 'next';
import { connection } from 'next/server';
import { BillingEmailForm } from '@/components/settings/billing-email-form';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { getBillingEmail } from '@/lib/organisations/billing-email';

export const metadata: Metadata = { title: 'Billing email · Sealpost' };

export default async function BillingSettingsPage() {
  await connection();
  const admin = await requireAdminPage('settings.manage');
  const billingEmail = await getBillingEmail(getDb(), admin.orgId);
  return (
    <div className="grid gap-6">
      <PageHeader title="Billing email" description={`Where ${admin.orgName}'s receipts and invoices are sent.`} />
      <Card>
        <CardHeader>
          <CardTitle>Receipts and invoices by email</CardTitle>
          <CardDescription>
            Each card payment sends a receipt, and each check order its invoice, with the invoice PDF attached, to the administrator who paid or
            confirmed it. Add your accounts department&apos;s address to send them a copy too.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <BillingEmailForm billingEmail={billingEmail} />
        </CardContent>
      </Card>
    </div>
  );
}
