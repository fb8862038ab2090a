import { ArrowDown, ArrowUp, ArrowUpDown, FileText, MailPlus, Plus } from '@/components/ui/icons';
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
import { TableHead, TableRow } from '@/components/ui/table';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { getInvoice } from '@/lib/billing/queries';
import { formatCents, formatDateTime, formatDay, plural } from '@/lib/format';
import { encodeCursor, listHref, parseListParams, type LicensedEmailListParams } from '@/lib/licensing/list-params';
import { countLicensedEmails, getLicenseUsage, listLicensedEmails, listOrgDomains } from '@/lib/licensing/queries';
import { isUuid } from '@/lib/ids';
import { subscriptionState } from '@/lib/licensing/subscription-state';

export const metadata: Metadata = { title: 'Licensed email addresses · Sealpost' };

const PAGE_SIZE = 50;

function SortHeader({ label, column, params }: { label: string; column: 'email' | 'added'; params: LicensedEmailListParams }) {
  const active = params.sort === column;
  const nextDir = active && params.dir === 'asc' ? 'desc' : active ? 'asc' : column === 'email' ? 'asc' : 'desc';
  const Icon = !active ? ArrowUpDown : params.dir === 'asc' ? ArrowUp : ArrowDown;
  return (
    <TableHead aria-sort={active ? (params.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <a href={listHref({ q: params.q, sort: column, dir: nextDir })} className="inline-flex items-center gap-1 hover:text-ink">
        {label}
        <Icon aria-hidden className="size-3.5" />
        <span className="sr-only">{active ? `, sorted ${params.dir === 'asc' ? 'ascending' : 'descending'}` : ', sort'}</span>
      </a>
    </TableHead>
  );
}

export default async function LicensedEmailsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const admin = await requireAdminPage('licensed_emails.view');
  const raw = await searchParams;
  const params = parseListParams(raw);
  const db = getDb();
  const invoiceId = isUuid(raw.invoice) ? raw.invoice : null;
  // Without a search the matching count is the number of addresses in use: one count, not two.
  const [usage, domains, page, searched, invoice] = await Promise.all([
    getLicenseUsage(db, admin.orgId),
    listOrgDomains(db, admin.orgId),
    listLicensedEmails(db, admin.orgId, { search: params.q, sort: params.sort, dir: params.dir, after: params.after, limit: PAGE_SIZE }),
    params.q ? countLicensedEmails(db, admin.orgId, params.q) : Promise.resolve(null),
    invoiceId ? getInvoice(db, admin.orgId, invoiceId) : Promise.resolve(null),
  ]);
  const matching = searched ?? usage.used;
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
      <ClientLinks>
        <Card className="overflow-hidden">
          <div className="flex flex-col gap-3 border-b border-line p-4 sm:flex-row sm:items-center sm:justify-between">
            <SearchBox label="Search licensed addresses" placeholder="Search addresses" />
            <p className="text-sm text-muted" data-result-summary="">
              {params.q ? `${plural(matching, 'address', 'addresses')} match “${params.q}”` : plural(matching, 'address', 'addresses')}
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
              domains={domains}
              canManage={canManage}
              canRename={canAdd}
              header={
                <TableRow>
                  <SortHeader label="Email address" column="email" params={params} />
                  <SortHeader label="Date added" column="added" params={params} />
                  {canManage && (
                    <TableHead>
                      <span className="sr-only">Actions</span>
                    </TableHead>
                  )}
                </TableRow>
              }
            />
          )}
          {(params.after || page.next) && (
            <nav aria-label="Pages" className="flex items-center justify-between gap-2 border-t border-line p-4 text-sm">
              {params.after ? (
                <a href={listHref({ q: params.q, sort: params.sort, dir: params.dir })} className="font-medium text-brand-600 hover:underline">
                  First page
                </a>
              ) : (
                <span />
              )}
              {page.next && (
                <a
                  href={listHref({ q: params.q, sort: params.sort, dir: params.dir, after: encodeCursor(page.next) })}
                  className="font-medium text-brand-600 hover:underline"
                >
                  Next page
                </a>
              )}
            </nav>
          )}
        </Card>
      </ClientLinks>
    </div>
  );
}
