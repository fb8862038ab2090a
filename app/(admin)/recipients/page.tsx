import { SearchX, Users } from '@/components/ui/icons';
import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { RecipientActions } from '@/components/recipients/recipient-actions';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { SearchBox } from '@/components/ui/search-box';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { getDb } from '@/db/client';
import { can } from '@/lib/auth/permissions';
import { requireAdminPage } from '@/lib/auth/session';
import { formatDateTime } from '@/lib/format';
import { formatPhone } from '@/lib/phone';
import { listRecipients, SEARCH_CANDIDATE_CAP, smsPolicyEnabled } from '@/lib/recipients/recipients';

export const metadata: Metadata = { title: 'Recipients · Sealpost' };

const PAGE_SIZE = 50;

function param(raw: Record<string, string | string[] | undefined>, key: string, max: number): string {
  const value = raw[key];
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

function href(q: string, missingPhone: boolean, after?: string): string {
  const search = new URLSearchParams();
  if (q) search.set('q', q);
  if (missingPhone) search.set('phone', 'missing');
  if (after) search.set('after', after);
  const query = search.toString();
  return `/recipients${query ? `?${query}` : ''}`;
}

export default async function RecipientsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const admin = await requireAdminPage('recipients.view');
  const raw = await searchParams;
  const q = param(raw, 'q', 254);
  const after = param(raw, 'after', 320).toLowerCase();
  const missingPhone = param(raw, 'phone', 20) === 'missing';
  const [page, smsPolicy] = await Promise.all([
    listRecipients(getDb(), admin.orgId, { search: q || undefined, after: after || undefined, limit: PAGE_SIZE, missingPhone }),
    smsPolicyEnabled(getDb(), admin.orgId),
  ]);
  const canManage = can(admin.level, 'recipients.manage');

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Recipients"
        description="Every external address your organisation has sent mail to, added automatically on the first send. A recipient's phone number receives the one-time code when your policy requires SMS two-factor sign-in."
      />
      <Card className="overflow-hidden">
        <div className="flex flex-col gap-3 border-b border-line p-4 sm:flex-row sm:items-center sm:justify-between">
          <div className="flex flex-col gap-3 sm:flex-row sm:items-center">
            <SearchBox label="Search recipients" placeholder="Search any part of an address" />
            <nav aria-label="Filter recipients" className="flex gap-1 text-sm">
              {[
                { label: 'All', missing: false },
                { label: 'Missing phone', missing: true },
              ].map((filter) => (
                <Link
                  key={filter.label}
                  href={href(q, filter.missing)}
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
          <Table aria-label="Recipients">
            <TableHeader>
              <TableRow>
                <TableHead>Email</TableHead>
                <TableHead>Phone</TableHead>
                <TableHead>First written to</TableHead>
                <TableHead>Last written to</TableHead>
                {canManage && (
                  <TableHead>
                    <span className="sr-only">Actions</span>
                  </TableHead>
                )}
              </TableRow>
            </TableHeader>
            <TableBody>
              {page.rows.map((row) => (
                <TableRow key={row.id}>
                  <TableCell className="font-medium">{row.email}</TableCell>
                  <TableCell className="whitespace-nowrap">
                    {row.phone ? (
                      formatPhone(row.phone)
                    ) : (
                      // Under the SMS two-factor policy a recipient without a number opens messages with the password alone.
                      <Badge variant={smsPolicy ? 'warning' : 'neutral'} title={smsPolicy ? 'Opens your messages without an SMS code' : undefined}>
                        Missing phone
                      </Badge>
                    )}
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-muted">{formatDateTime(row.firstSentAt)}</TableCell>
                  <TableCell className="whitespace-nowrap text-muted">{formatDateTime(row.lastSentAt)}</TableCell>
                  {canManage && (
                    <TableCell>
                      <RecipientActions id={row.id} email={row.email} phone={row.phone} />
                    </TableCell>
                  )}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
        {(after || page.next) && (
          <nav aria-label="Pages" className="flex items-center justify-between gap-2 border-t border-line p-4 text-sm">
            {after ? (
              <Link href={href(q, missingPhone)} className="font-medium text-brand-600 hover:underline">
                First page
              </Link>
            ) : (
              <span />
            )}
            {page.next && (
              <Link href={href(q, missingPhone, page.next)} className="font-medium text-brand-600 hover:underline">
                Next page
              </Link>
            )}
          </nav>
        )}
      </Card>
    </div>
  );
}
