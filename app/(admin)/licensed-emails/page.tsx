import { FileText, MailPlus, Plus } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { AddLicensedEmailsDialog } from '@/components/licensed-emails/add-licensed-emails-dialog';
import { BuyLicensesButton } from '@/components/checkout/buy-licenses-button';
import { PdfDownloadLink } from '@/components/invoices/pdf-download-link';
import { LicensedEmailsTable } from '@/components/licensed-emails/licensed-emails-table';
import { SearchBox } from '@/components/ui/search-box';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ExportCsvButton } from '@/components/ui/export-csv-button';
import { Card } from '@/components/ui/card';
import { ClientLinks } from '@/components/ui/client-links';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { CopyButtons } from '@/components/data-table/copy-buttons';
import { Pager } from '@/components/data-table/pager';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { getInvoice } from '@/lib/billing/queries';
import { formatCents, formatDateTime, formatDay, plural } from '@/lib/format';
import { licensedEmailList } from '@/lib/licensing/licensed-email-list';
import { getHiddenColumns } from '@/lib/lists/column-preferences';
import { formatTotal, rangeLabel } from '@/lib/lists/count';
import { countLicensedEmails, getLicenseUsage, listLicensedEmails, listOrgDomains } from '@/lib/licensing/queries';
import { isUuid } from '@/lib/ids';
import { subscriptionState } from '@/lib/licensing/subscription-state';

export const metadata: Metadata = { title: 'Licensed email addresses · Sealpost' };

export default async function LicensedEmailsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const admin = await requireAdminPage('licensed_emails.view');
  const raw = await searchParams;
  const params = licensedEmailList.parse(raw);
  const db = getDb();
  const invoiceId = isUuid(raw.invoice) ? raw.invoice : null;
  // Without a search the matching count is the number of addresses in use: one count, not two.
  // The column choice is one primary-key read in the same batch.
  const [usage, domains, page, searched, invoice, hidden] = await Promise.all([
    getLicenseUsage(db, admin.orgId),
    listOrgDomains(db, admin.orgId),
    listLicensedEmails(db, admin.orgId, { search: params.q, sort: params.sort, dir: params.dir, position: params.page, limit: licensedEmailList.pageSize }),
    params.q ? countLicensedEmails(db, admin.orgId, params.q) : Promise.resolve(null),
    invoiceId ? getInvoice(db, admin.orgId, invoiceId) : Promise.resolve(null),
    getHiddenColumns(db, admin, '/licensed-emails'),
  ]);
  const total = searched ?? { n: usage.used, exact: true };
  const matching = total.n;
  const canManage = can(admin.level, 'licensed_emails.manage');
  // The use cases refuse these too; the page only stops offering them (lib/licensing/subscription-state.ts).
  const state = usage.renewalDate ? subscriptionState(usage.renewalDate, new Date()) : null;
  const canAdd = canManage && state?.status !== 'disabled';

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Licensed email addresses"
        description={`${usage.used.toLocaleString('en-US')} of ${usage.purchased.toLocaleString('en-US')} licenses used · ${plural(usage.available, 'license')} available`}
        actions={
          <>
            <ExportCsvButton href={params.q ? `/licensed-emails/export?q=${encodeURIComponent(params.q)}` : '/licensed-emails/export'} />
            {can(admin.level, 'billing.pay') && state?.status === 'active' && <BuyLicensesButton variant="outline" />}
            {canAdd && (
              <AddLicensedEmailsDialog
                domains={domains}
                buying={state !== null && state.status !== 'active' ? 'renew_first' : can(admin.level, 'billing.pay') ? 'allowed' : 'ask_level_1'}
                trigger={
                  <Button>
                    <Plus aria-hidden /> Add
                  </Button>
                }
              />
            )}
          </>
        }
      />
      {invoice && (
        <Alert
          variant="success"
          title={invoice.status === 'paid' ? `Payment received — invoice ${invoice.number}` : `Licenses granted — invoice ${invoice.number} is due ${formatDay(invoice.dueOn)}`}
        >
          The licenses are yours and the new addresses are listed below.{' '}
          {invoice.status === 'open' && `Mail a check for ${formatCents(invoice.totalCents)} by the due date. `}
          <PdfDownloadLink invoiceId={invoice.id} number={invoice.number} variant="link" label="Save the invoice as a PDF" /> or{' '}
          <Link href={`/invoices/${invoice.id}`}>view it</Link>.
        </Alert>
      )}
      <CopyButtons />
      <ClientLinks>
        <Card className="overflow-hidden">
          <div className="flex flex-col gap-3 border-b border-line p-4 sm:flex-row sm:items-center sm:justify-between">
            <SearchBox label="Search licensed addresses" placeholder="Search addresses" />
            <p className="text-sm text-muted" aria-live="polite">
              {params.q
                ? `${total.exact ? plural(matching, 'address', 'addresses') : `${formatTotal(total)} addresses`} match “${params.q}”`
                : plural(matching, 'address', 'addresses')}
            </p>
          </div>
          {page.rows.length === 0 ? (
            <div className="p-6">
              {params.q ? (
                <EmptyState icon={FileText} title="No address matches your search" description="Check the spelling, or search for part of the address." />
              ) : (
                <EmptyState
                  icon={MailPlus}
                  title="No licensed addresses yet"
                  description={canManage ? 'Add addresses one by one or upload a CSV file.' : 'A level 1 or 2 administrator can add addresses.'}
                />
              )}
            </div>
          ) : (
            <LicensedEmailsTable
              rows={page.rows.map((row) => ({ id: row.id, email: row.email, added: formatDateTime(row.createdAt) }))}
              sortLinks={licensedEmailList.sortLinks(params)}
              hidden={hidden}
              total={matching}
              totalLabel={formatTotal(total)}
              q={params.q}
              domains={domains}
              canManage={canManage}
              canRename={canAdd}
            />
          )}
          <Pager range={page.rows.length > 0 ? rangeLabel(page.start, page.rows.length, total) : undefined} links={licensedEmailList.pagerLinks(params, page)} />
        </Card>
      </ClientLinks>
    </div>
  );
}
