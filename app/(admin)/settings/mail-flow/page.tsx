import { Mail } from '@/components/ui/icons';
import type { Metadata } from 'next';
import { connection } from 'next/server';
import { DeleteConnectorButton, EditConnectorRangesDialog } from '@/components/settings/connector-actions';
import { CreateConnectorDialog } from '@/components/settings/create-connector-dialog';
import { CopyValueButton, DkimKeyActions, GenerateDkimKeyButton } from '@/components/settings/dkim-actions';
import { InboundRouteForm } from '@/components/settings/inbound-route-form';
import { Alert } from '@/components/ui/alert';
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
import { listDkimDomains, type DkimDomainRow } from '@/lib/mailflow/dkim-keys';
import { describeRoute, inboundRouteOf } from '@/lib/mailflow/inbound-route';
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
  const [connectors, recent, route, dkim] = await Promise.all([
    listConnectors(getDb(), admin.orgId),
    listRecentGatewayMessages(getDb(), admin.orgId, 20),
    inboundRouteOf(getDb(), admin.orgId),
    listDkimDomains(getDb(), admin.orgId),
  ]);
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
      <Card>
        <CardHeader>
          <CardTitle>Inbound route</CardTitle>
          <CardDescription>
            Where replies come home: when an external recipient answers in the portal, Sealpost also delivers the reply by SMTP to your user’s own mailbox on this server, in the same
            thread as the original message and with a link to the secure conversation.
          </CardDescription>
        </CardHeader>
        <CardContent className="grid gap-4">
          {route ? (
            <p className="text-sm">
              Replies are delivered to <code className="font-mono">{describeRoute(route)}</code>.
            </p>
          ) : (
            <Alert variant="info" title="No inbound route">
              Replies from external recipients stay in the portal only. Set your mail server below to have them delivered to your users’ mailboxes too.
            </Alert>
          )}
          {config.SEALPOST_DEMO && route && (
            <p className="text-sm text-muted">
              Demo mode: replies land in the <a href="/dev/outbox" className="font-medium text-brand-600 underline">outbox</a>, which stands in for this server.
            </p>
          )}
          <InboundRouteForm route={route} />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>DKIM signing</CardTitle>
          <CardDescription>
            Sign the mail Sealpost sends for each of your domains — mail relayed through Sealpost, delivery reports to your senders, replies coming home — so receivers can verify it
            comes from you. Publish the TXT record shown in your domain’s DNS; until it is published, receivers treat the mail as unsigned.
          </CardDescription>
        </CardHeader>
        <CardContent>
          {dkim.length === 0 ? (
            <p className="text-sm text-muted">Your organisation has no domains yet.</p>
          ) : (
            <ul className="grid gap-4" aria-label="DKIM signing by domain">
              {dkim.map((row) => (
                <DkimDomain key={row.domain} row={row} />
              ))}
            </ul>
          )}
        </CardContent>
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
                  <TableCell>{m.contentDestroyedAt ? <span className="text-muted">{m.subject}</span> : m.subject || <span className="text-muted">(no subject)</span>}</TableCell>
                  <TableCell>
                    {m.deliverTo === 'inbound_route' ? (
                      <span className="text-muted">Reply from the portal, to the inbound route</span>
                    ) : (
                      (m.connectorName ?? <span className="text-muted">{m.envelopeFrom ? 'Deleted' : 'Delivery report (Sealpost)'}</span>)
                    )}
                  </TableCell>
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

/** One domain: whether its mail is signed, the DNS record to publish (with copy buttons), and its actions. */
function DkimDomain({ row }: { row: DkimDomainRow }) {
  const { active } = row;
  return (
    <li className="grid gap-3 rounded-lg border border-line p-4" aria-label={row.domain}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex flex-wrap items-center gap-2">
          <h3 className="font-medium">{row.domain}</h3>
          {active ? <Badge variant="success">Signing, selector {active.selector}</Badge> : <Badge>Not signed</Badge>}
        </div>
        {active ? <DkimKeyActions domain={row.domain} selector={active.selector} /> : <GenerateDkimKeyButton domain={row.domain} />}
      </div>
      {active && (
        <div className="grid gap-2 text-sm">
          <p className="text-muted">
            {active.bits}-bit RSA key generated {formatDateTime(active.createdAt)} by {active.createdBy}. Publish this TXT record:
          </p>
          <dl className="grid gap-2 sm:grid-cols-[max-content_minmax(0,1fr)_max-content] sm:items-start sm:gap-x-3">
            <dt className="text-muted">Name</dt>
            <dd className="min-w-0">
              <code className="font-mono text-xs break-all">{active.record.name}</code>
            </dd>
            <dd>
              <CopyValueButton value={active.record.name} label="Record name" />
            </dd>
            <dt className="text-muted">Type</dt>
            <dd className="sm:col-span-2">
              <code className="font-mono text-xs">TXT</code>
            </dd>
            <dt className="text-muted">Value</dt>
            <dd className="min-w-0">
              <code className="block font-mono text-xs break-all" aria-label={`DNS record value for ${row.domain}`}>
                {active.record.value}
              </code>
            </dd>
            <dd>
              <CopyValueButton value={active.record.value} label="Record value" />
            </dd>
          </dl>
        </div>
      )}
      {row.retired.length > 0 && (
        <p className="text-xs text-muted">
          Retired {row.retired.length === 1 ? 'selector' : 'selectors'}:{' '}
          {row.retired.map((r, i) => (
            <span key={r.selector}>
              {i > 0 && ', '}
              <code className="font-mono">{r.record.name}</code>
              {r.retiredAt && ` (${formatDateTime(r.retiredAt)})`}
            </span>
          ))}
          . Leave their records published for a few days after retiring, then remove them.
        </p>
      )}
    </li>
  );
}
