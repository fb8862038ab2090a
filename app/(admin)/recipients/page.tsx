import { SearchX, Users } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { SearchBox } from '@/components/ui/search-box';
import { CopyButtons } from '@/components/data-table/copy-buttons';
import { Pager } from '@/components/data-table/pager';
import { RecipientsTable } from '@/components/recipients/recipients-table';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { formatDateTime } from '@/lib/format';
import { formatPhone } from '@/lib/phone';
import { getHiddenColumns } from '@/lib/lists/column-preferences';
import { formatTotal, rangeLabel } from '@/lib/lists/count';
import { recipientList } from '@/lib/recipients/recipient-list';
import { countRecipients, listRecipients, SEARCH_CANDIDATE_CAP, smsPolicyEnabled } from '@/lib/recipients/recipients';

export const metadata: Metadata = { title: 'Recipients · Sealpost' };

export default async function RecipientsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const admin = await requireAdminPage('recipients.view');
  const raw = await searchParams;
  const state = recipientList.parse(raw);
  const { q } = state;
  const after = state.page !== undefined;
  const missingPhone = state.filters.phone === 'missing';
  const db = getDb();
  // One batch: the page, the count (a search counts its own matches), the policy, the column choice.
  const [page, counted, smsPolicy, hidden] = await Promise.all([
    listRecipients(db, admin.orgId, { search: q || undefined, position: state.page, limit: recipientList.pageSize, missingPhone }),
    q ? Promise.resolve(null) : countRecipients(db, admin.orgId, { missingPhone }),
    smsPolicyEnabled(db, admin.orgId),
    getHiddenColumns(db, admin, '/recipients'),
  ]);
  const total = page.total ?? counted;
  const canManage = can(admin.level, 'recipients.manage');

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Recipients"
        description="Every external address your organisation has sent mail to, added automatically on the first send. A recipient's phone number receives the one-time code when your policy requires SMS two-factor sign-in."
      />
      <CopyButtons />
      <Card className="overflow-hidden">
        <div className="flex flex-col gap-3 border-b border-line p-4 sm:flex-row sm:items-center sm:justify-between">
          <div className="flex flex-col gap-3 sm:flex-row sm:items-center">
            <SearchBox label="Search recipients" placeholder="Search any part of an address" resultCount={total?.n ?? page.rows.length} moreResults={total ? !total.exact : page.broad || page.next !== null} />
            <nav aria-label="Filter recipients" className="flex gap-1 text-sm">
              {[
                { label: 'All', missing: false },
                { label: 'Missing phone', missing: true },
              ].map((filter) => (
                <Link
                  key={filter.label}
                  href={recipientList.href(state, { filters: { phone: filter.missing ? 'missing' : undefined } })}
                  aria-current={filter.missing === missingPhone ? 'page' : undefined}
                  className="rounded-full px-3 py-1 font-medium text-muted ring-1 ring-line hover:text-ink aria-[current=page]:bg-brand-50 aria-[current=page]:text-brand-700 aria-[current=page]:ring-brand-200"
                >
                  {filter.label}
                </Link>
              ))}
            </nav>
          </div>
          {page.broad && (
            <p className="text-sm text-muted" role="status">
              More than {SEARCH_CANDIDATE_CAP.toLocaleString('en-US')} addresses match: showing the first ones. Keep typing to narrow the search.
            </p>
          )}
        </div>
        {page.rows.length === 0 ? (
          <div className="p-6">
            {q ? (
              <EmptyState icon={SearchX} title="No recipient matches your search" description="Check the spelling, or type another part of the address." />
            ) : missingPhone && !after ? (
              <EmptyState icon={Users} title="Every recipient has a phone number" description="Recipients without one appear here." />
            ) : after ? (
              <EmptyState icon={Users} title="No more recipients" description="Go back to the first page." />
            ) : (
              <EmptyState
                icon={Users}
                title="No recipients yet"
                description="Addresses outside your organisation appear here automatically the first time mail is sent to them."
              />
            )}
          </div>
        ) : (
          <RecipientsTable
            rows={page.rows.map((row) => ({
              id: row.id,
              email: row.email,
              phone: row.phone && formatPhone(row.phone),
              first: formatDateTime(row.firstSentAt),
              last: formatDateTime(row.lastSentAt),
            }))}
            sortLinks={recipientList.sortLinks(state)}
            hidden={hidden}
            total={total?.n ?? null}
            totalLabel={total ? formatTotal(total) : ''}
            q={q}
            missingPhone={missingPhone}
            smsPolicy={smsPolicy}
            canManage={canManage}
          />
        )}
        <Pager
          range={page.rows.length > 0 ? `${rangeLabel(page.start, page.rows.length, total)}${page.broad ? ` of more than ${SEARCH_CANDIDATE_CAP.toLocaleString('en-US')}` : ''}` : undefined}
          links={recipientList.pagerLinks(state, page)}
        />
      </Card>
    </div>
  );
}
