import { Mail } from '@/components/ui/icons';
import type { Metadata } from 'next';
import { connection } from 'next/server';
import { DeleteConnectorButton, EditConnectorRangesDialog } from '@/components/settings/connector-actions';
import { CreateConnectorDialog } from '@/components/settings/create-connector-dialog';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { EmptyState } from '@/components/ui/empty-state';
import { PageHeader } from '@/components/ui/page-header';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { getDb } from '@/db/client';
import { requireAdminPage } from '@/lib/auth/session';
import { env } from '@/lib/env';
import { formatDateTime } from '@/lib/format';
import { listConnectors } from '@/lib/mailflow/connectors';
import { listRecentGatewayMessages } from '@/lib/mailflow/queries';

export const metadata: Metadata = { title: 'Mail flow · Sealpost' };

const OUTCOMES: Record<string, string> = {
  secure_portal: 'Secure message',
  sms_two_factor: 'Secure message, SMS two-factor',
  tls_required: 'SMTP delivery, TLS required',
  plain: 'SMTP delivery',
};
const STATUSES: Record<string, string> = {
  pending: 'Being processed',
  secure_message: 'Delivered to the portal',
  queued_for_delivery: 'Queued for SMTP delivery',
  delivered: 'Delivered',
  deferred: 'Deferred, will retry',
  bounced: 'Bounced, sender notified',
  failed: 'Could not be processed',
};

/** What became of one recipient, in words. */
function outcomeText(r: { status: string; outcome: string | null }): string {
  if (r.status === 'pending' || r.status === 'failed') return STATUSES[r.status] ?? r.status;
  return `${OUTCOMES[r.outcome ?? ''] ?? ''} — ${STATUSES[r.status] ?? r.status}`;
}

export default async function MailFlowPage() {
  await connection();
  const admin = await requireAdminPage('settings.manage');
  const [connectors, recent] = await Promise.all([listConnectors(getDb(), admin.orgId), listRecentGatewayMessages(getDb(), admin.orgId, 20)]);
  const config = env();
  const host = new URL(config.APP_URL).hostname;

  return (
    <div className="grid gap-6">
      <PageHeader
        title="Mail flow"
        description={`Connectors let ${admin.orgName}'s mail server relay outgoing mail through Sealpost, which applies your policies to every message.`}
        actions={<CreateConnectorDialog />}
      />
      <Card>
        <CardHeader>
          <CardTitle>Relaying through Sealpost</CardTitle>
          <CardDescription>Point your mail server’s smart host (outbound relay) here. The envelope sender must be an address of your domains.</CardDescription>
        </CardHeader>
        <CardContent>
          <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-1 text-sm">
            <dt className="text-muted">Host</dt>
            <dd>
              <code>{host}</code>
            </dd>
            <dt className="text-muted">Port</dt>
            <dd>
              <code>{config.SMTP_PORT}</code>
            </dd>
            <dt className="text-muted">Security</dt>
            <dd>STARTTLS (required before SMTP AUTH)</dd>
            <dt className="text-muted">Authentication</dt>
            <dd>SMTP AUTH PLAIN or LOGIN with a connector’s user name and secret, or a connection from its IP ranges</dd>
            <dt className="text-muted">Largest message</dt>
            <dd>{Math.floor(config.SMTP_MAX_MESSAGE_BYTES / (1024 * 1024))} MB, at most {config.SMTP_MAX_RECIPIENTS} recipients</dd>
          </dl>
        </CardContent>
      </Card>
      <Card className="overflow-hidden">
        {connectors.length === 0 ? (
          <EmptyState icon={Mail} title="No connectors yet" description="Add a connector for each mail server that relays through Sealpost." />
        ) : (
          <Table aria-label="Connectors">
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>SMTP AUTH user</TableHead>
                <TableHead>Allowed IP ranges</TableHead>
                <TableHead>Created</TableHead>
                <TableHead>Last used</TableHead>
                <TableHead>Refused (last hour)</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {connectors.map((row) => (
                <TableRow key={row.id}>
                  <TableCell className="font-medium">{row.name}</TableCell>
                  <TableCell>{row.smtpUsername ? <code className="font-mono text-xs">{row.smtpUsername}</code> : <span className="text-muted">None</span>}</TableCell>
                  <TableCell>
                    {row.allowedRanges.length === 0 ? (
                      <span className="text-muted">None</span>
                    ) : (
                      <ul className="font-mono text-xs">
                        {row.allowedRanges.map((range) => (
                          <li key={range}>{range}</li>
                        ))}
                      </ul>
                    )}
                  </TableCell>
                  <TableCell className="whitespace-nowrap">
                    {formatDateTime(row.createdAt)}
                    <span className="block text-xs text-muted">by {row.createdByName ?? row.createdBy}</span>
                  </TableCell>
                  <TableCell className="whitespace-nowrap">{row.lastUsedAt ? formatDateTime(row.lastUsedAt) : 'Never'}</TableCell>
                  <TableCell>{row.refusalsLastHour > 0 ? <Badge variant="warning">{row.refusalsLastHour}</Badge> : '0'}</TableCell>
                  <TableCell>
                    <div className="flex justify-end gap-1">
                      <EditConnectorRangesDialog id={row.id} name={row.name} ranges={row.allowedRanges} />
                      <DeleteConnectorButton id={row.id} name={row.name} />
                    </div>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
      <Card className="overflow-hidden">
        <CardHeader>
          <CardTitle>Recent messages</CardTitle>
          <CardDescription>The last messages the gateway accepted and what became of each recipient. Mail from an address without a license gets no secure processing: it goes on as ordinary SMTP mail.</CardDescription>
        </CardHeader>
        {recent.length === 0 ? (
          <CardContent>
            <p className="text-sm text-muted">No messages yet.</p>
          </CardContent>
        ) : (
          <Table aria-label="Recent messages through the gateway">
            <TableHeader>
              <TableRow>
                <TableHead>Received</TableHead>
                <TableHead>From</TableHead>
                <TableHead>Subject</TableHead>
                <TableHead>Connector</TableHead>
                <TableHead>Recipients</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {recent.map((m) => (
                <TableRow key={m.id}>
                  <TableCell className="whitespace-nowrap">{formatDateTime(m.receivedAt)}</TableCell>
                  <TableCell>
                    {m.envelopeFrom}
                    {m.senderUnlicensed && <span className="block text-xs text-muted">Not a licensed address: delivered as plain mail, no secure processing</span>}
                  </TableCell>
                  <TableCell>{m.subject || <span className="text-muted">(no subject)</span>}</TableCell>
                  <TableCell>{m.connectorName ?? <span className="text-muted">Deleted</span>}</TableCell>
                  <TableCell>
                    {m.status === 'failed' && <span className="block text-xs text-danger-700">{m.failure}</span>}
                    <ul className="text-xs">
                      {m.recipients.map((r) => (
                        <li key={r.address}>
                          {r.address}: {outcomeText(r)}
                        </li>
                      ))}
                    </ul>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
