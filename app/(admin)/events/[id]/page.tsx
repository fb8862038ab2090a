import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { connection } from 'next/server';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { getDb } from '@/db/client';
import { auditCatalog, auditCategories, auditLabel } from '@/lib/audit/catalog';
import { auditActorLabel, getAuditEvent } from '@/lib/audit/queries';
import { requireAdminPage } from '@/lib/auth/session';
import { formatDateTime } from '@/lib/format';

export const metadata: Metadata = { title: 'Event · Sealpost' };

const ACTOR_TYPES = { administrator: 'Administrator', portal_user: 'Secure-message user', system: 'System', anonymous: 'Not signed in' } as const;

function Field({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="grid gap-1 py-3 sm:grid-cols-[12rem_1fr] sm:gap-4">
      <dt className="text-sm font-medium text-muted">{term}</dt>
      <dd className="min-w-0 text-sm [overflow-wrap:anywhere]">{children}</dd>
    </div>
  );
}

function None() {
  return <span className="text-muted">None</span>;
}

/** /events/[id]: one event with every field it recorded. Another organisation's event is "not found". */
export default async function EventPage({ params }: { params: Promise<{ id: string }> }) {
  await connection();
  const admin = await requireAdminPage('events.view');
  const { id } = await params;
  const event = /^\d{1,15}$/.test(id) ? await getAuditEvent(getDb(), admin.orgId, Number(id)) : null;
  if (!event) notFound();
  const category = (auditCatalog as Record<string, { category: string }>)[event.action]?.category;
  const categoryLabel = auditCategories.find((c) => c.id === category)?.label;
  const metadataJson = Object.keys(event.metadata).length > 0 ? JSON.stringify(event.metadata, null, 2) : null;

  return (
    <div className="grid gap-6">
      <PageHeader
        title={auditLabel(event.action)}
        description={
          <Link href="/events" className="text-brand-600 hover:underline">
            All events
          </Link>
        }
      />
      <Card>
        <CardContent className="pt-2">
          <dl className="divide-y divide-line">
            <Field term="Summary">{event.summary}</Field>
            <Field term="Time (UTC)">
              <time dateTime={event.occurredAt.toISOString()}>{formatDateTime(event.occurredAt)}</time>
              <span className="ml-2 font-mono text-xs text-muted">{event.occurredAt.toISOString()}</span>
            </Field>
            <Field term="Action">
              <span className="flex flex-wrap items-center gap-2">
                <Badge variant="neutral">{auditLabel(event.action)}</Badge>
                <code className="font-mono text-xs text-muted">{event.action}</code>
                {categoryLabel && <span className="text-muted">· {categoryLabel}</span>}
              </span>
            </Field>
            <Field term="Actor">{auditActorLabel(event) || <None />}</Field>
            <Field term="Actor type">{ACTOR_TYPES[event.actorType]}</Field>
            <Field term="Actor id">{event.actorId ? <code className="font-mono text-xs">{event.actorId}</code> : <None />}</Field>
            <Field term="Target">{event.targetLabel || <None />}</Field>
            <Field term="Target type">{event.targetType ? <code className="font-mono text-xs">{event.targetType}</code> : <None />}</Field>
            <Field term="Target id">{event.targetId ? <code className="font-mono text-xs">{event.targetId}</code> : <None />}</Field>
            {event.recordedTargetLabel && event.recordedTargetLabel !== event.targetLabel && (
              <Field term="Target as recorded">{event.recordedTargetLabel}</Field>
            )}
            <Field term="Client address">{event.clientAddress ? <code className="font-mono text-xs">{event.clientAddress}</code> : <None />}</Field>
            <Field term="Event id">
              <code className="font-mono text-xs">{event.id}</code>
            </Field>
            <Field term="Details">
              {metadataJson ? (
                <pre className="max-w-full overflow-x-auto rounded-md bg-canvas p-3 font-mono text-xs whitespace-pre-wrap">{metadataJson}</pre>
              ) : (
                <None />
              )}
            </Field>
          </dl>
        </CardContent>
      </Card>
    </div>
  );
}
