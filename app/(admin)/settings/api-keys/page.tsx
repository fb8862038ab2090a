import { KeyRound } from '@/components/ui/icons';
import { createColumnHelper } from '@tanstack/table-core';
import type { Metadata } from 'next';
import { connection } from 'next/server';
import { CreateApiKeyDialog } from '@/components/settings/create-api-key-dialog';
import { RevokeApiKeyButton } from '@/components/settings/revoke-api-key-button';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { DataTable, type ServerFeatures } from '@/components/data-table/data-table';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { listApiKeys } from '@/lib/delivery/api-keys';
import { env } from '@/lib/env';
import { formatDateTime } from '@/lib/format';

export const metadata: Metadata = { title: 'API keys · Sealpost' };

type ApiKeyRow = Awaited<ReturnType<typeof listApiKeys>>[number];
const column = createColumnHelper<ServerFeatures, ApiKeyRow>();
/** Built once per process (TanStack column definitions), rendered on the server. */
const columns = column.columns([
  column.accessor('name', {
    header: 'Name',
    meta: { primary: true },
    cell: ({ row }) => <span className={row.original.revokedAt ? 'text-muted' : undefined}>{row.original.name}</span>,
  }),
  column.accessor('prefix', { header: 'Key', meta: { nowrap: true }, cell: ({ row }) => <code className="font-mono text-xs">{row.original.prefix}…</code> }),
  column.accessor('createdAt', {
    header: 'Created',
    meta: { nowrap: true },
    cell: ({ row }) => (
      // One element, so a phone's card keeps the date and its author together, right of the label.
      <span className="max-sm:text-right">
        {formatDateTime(row.original.createdAt)}
        <span className="block text-xs text-muted">by {row.original.createdByName ?? row.original.createdBy}</span>
      </span>
    ),
  }),
  column.accessor('lastUsedAt', { header: 'Last used', meta: { nowrap: true }, cell: ({ row }) => (row.original.lastUsedAt ? formatDateTime(row.original.lastUsedAt) : 'Never') }),
  column.display({
    id: 'status',
    header: 'Status',
    cell: ({ row }) =>
      row.original.revokedAt ? (
        <Badge variant="neutral" title={`Revoked ${formatDateTime(row.original.revokedAt)}`}>
          Revoked
        </Badge>
      ) : (
        <Badge variant="success">Active</Badge>
      ),
  }),
  column.display({
    id: 'actions',
    header: () => <span className="sr-only">Actions</span>,
    meta: { control: true },
    cell: ({ row }) => <div className="flex justify-end">{!row.original.revokedAt && <RevokeApiKeyButton id={row.original.id} name={row.original.name} />}</div>,
  }),
]);

function curlExamples(appUrl: string) {
  const url = `${appUrl.replace(/\/$/, '')}/api/delivery-events`;
  const event = {
    occurredAt: '2026-03-01T12:00:00Z',
    messageId: '<20260301120000.1234@mail.example.com>',
    sender: 'billing@example.com',
    recipient: 'person@example.org',
    event: 'bounced',
    method: 'tls',
    remoteServer: 'mx.example.org',
    smtpCode: 550,
    enhancedCode: '5.1.1',
    diagnostic: 'User unknown',
    bounceClass: 'hard',
  };
  const second = { occurredAt: '2026-03-01T12:00:05Z', messageId: '<20260301120005.5678@mail.example.com>', sender: 'billing@example.com', recipient: 'other@example.org', event: 'delivered', method: 'tls' };
  const array = `curl -X POST ${url} \\
  -H "Authorization: Bearer $SEALPOST_API_KEY" \\
  -H "Content-Type: application/json" \\
  --data-binary '${JSON.stringify([event, second])}'`;
  const lines = `curl -X POST ${url} \\
  -H "Authorization: Bearer $SEALPOST_API_KEY" \\
  -H "Content-Type: application/x-ndjson" \\
  --data-binary @events.jsonl
# events.jsonl: one event per line
${JSON.stringify(event)}
${JSON.stringify(second)}`;
  return { array, lines };
}

export default async function ApiKeysPage() {
  await connection();
  const admin = await requireAdminPage('settings.manage');
  const rows = await listApiKeys(getDb(), admin.orgId);
  const active = rows.filter((r) => !r.revokedAt).length;
  const examples = curlExamples(env().APP_URL);

  return (
    <div className="grid gap-6">
      <PageHeader
        title="API keys"
        description={`${rows.length === 0 ? 'No keys yet' : `${active} active of ${rows.length}`}. A key lets another system send delivery and bounce events for ${admin.orgName} to Sealpost.`}
        actions={<CreateApiKeyDialog />}
      />
      <Card className="overflow-hidden">
        {rows.length === 0 ? (
          <EmptyState icon={KeyRound} title="No API keys yet" description="Create a key for each system that sends delivery events." />
        ) : (
          <DataTable label="API keys" columns={columns} rows={rows} rowId={(row) => row.id} />
        )}
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Sending delivery events</CardTitle>
          <CardDescription>
            POST a JSON array or JSON lines (one event per line), at most 10,000 events and 5 MB per request, with the key as a Bearer token.
            Required: <code>occurredAt</code> (ISO 8601 with a time zone), <code>messageId</code>, <code>sender</code>, <code>recipient</code>,{' '}
            <code>event</code> (delivered, bounced, deferred, dropped, rejected, opened) and <code>method</code> (tls, secure_portal,
            sms_two_factor, plain). Optional: <code>remoteServer</code>, <code>smtpCode</code>, <code>enhancedCode</code> (e.g. 5.1.1),{' '}
            <code>diagnostic</code>, <code>bounceClass</code> (hard or soft). The answer is 202 with the number stored and a list of the events
            refused and why; valid events are stored even when others are refused.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4">
          <div className="grid gap-1.5">
            <h3 className="text-sm font-semibold">JSON array</h3>
            <pre tabIndex={0} aria-label="curl example with a JSON array" className="overflow-x-auto rounded-md bg-canvas p-3 font-mono text-xs">
              {examples.array}
            </pre>
          </div>
          <div className="grid gap-1.5">
            <h3 className="text-sm font-semibold">JSON lines</h3>
            <pre tabIndex={0} aria-label="curl example with JSON lines" className="overflow-x-auto rounded-md bg-canvas p-3 font-mono text-xs">
              {examples.lines}
            </pre>
          </div>
        </CardContent>
      </Card>
    </div>
  );
}
