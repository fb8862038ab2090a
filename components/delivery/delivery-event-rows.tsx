'use client';

import { ChevronRight } from '@/components/ui/icons';
import { useState, type ReactNode } from 'react';
import { Badge, type BadgeProps } from '@/components/ui/badge';
import { TableCell, TableRow } from '@/components/ui/table';
import { cn } from '@/components/ui/cn';

/** A delivery event as the table shows it: plain, serialisable values only. */
export type DeliveryEventView = {
  id: number;
  occurredAtIso: string;
  occurredAtText: string;
  messageId: string;
  sender: string;
  recipient: string;
  event: string;
  method: string;
  /** The delivery route in words ("TLS, certificate verified"); '' for what was never sent. */
  route: string;
  /** "TLSv1.3, certificate verified"; '' without TLS facts. */
  tls: string;
  remoteServer: string;
  smtpCode: number | null;
  enhancedCode: string;
  diagnostic: string;
  bounceClass: 'hard' | 'soft' | null;
  /** The sender's class when it differs from Sealpost's. */
  reportedClass: 'hard' | 'soft' | null;
  reasonLabel: string;
  /** Plain words: what happened, whose side, whether it is retried, what to do. */
  happened: string;
  side: string;
  retry: string;
  todo: string;
  /** The enhanced code's meaning (RFC 3463). */
  explanation: string;
  dsnAction: string;
  source: string;
};

export const COLUMN_COUNT = 11;

const tones: Record<string, BadgeProps['variant']> = {
  delivered: 'success',
  bounced: 'danger',
  rejected: 'danger',
  dropped: 'danger',
  deferred: 'warning',
  opened: 'brand',
  complained: 'danger',
  unparsed: 'warning',
};

const SOURCES: Record<string, string> = { provider: 'Email provider', ingest: 'Ingest API', gateway: 'Sealpost gateway' };

function None() {
  return (
    <>
      <span aria-hidden className="text-muted">
        —
      </span>
      <span className="sr-only">None</span>
    </>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid gap-0.5">
      <dt className="text-xs font-medium uppercase tracking-wide text-muted">{label}</dt>
      <dd className="[overflow-wrap:anywhere]">{children}</dd>
    </div>
  );
}

function Row({ row, initiallyOpen }: { row: DeliveryEventView; initiallyOpen: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const detailId = `delivery-event-${row.id}`;
  const code = [row.smtpCode, row.enhancedCode].filter((part) => part !== null && part !== '').join(' ');
  return (
    <>
      <TableRow data-state={open ? 'selected' : undefined}>
        <TableCell className="w-10 pr-0">
          <button
            type="button"
            aria-expanded={open}
            aria-controls={detailId}
            aria-label={`Details for ${row.messageId} to ${row.recipient}`}
            onClick={() => setOpen((value) => !value)}
            className="inline-flex size-8 items-center justify-center rounded-md text-muted hover:bg-canvas hover:text-ink focus-visible:outline-2 focus-visible:outline-brand-600"
          >
            <ChevronRight aria-hidden className={cn('size-4 transition-transform', open && 'rotate-90')} />
          </button>
        </TableCell>
        <TableCell className="whitespace-nowrap text-muted">
          <time dateTime={row.occurredAtIso}>{row.occurredAtText}</time>
        </TableCell>
        <TableCell className="max-w-48 font-mono text-xs [overflow-wrap:anywhere]">{row.messageId}</TableCell>
        <TableCell className="max-w-56 [overflow-wrap:anywhere]">{row.sender}</TableCell>
        <TableCell className="max-w-56 [overflow-wrap:anywhere]">{row.recipient}</TableCell>
        <TableCell>
          <Badge variant={tones[row.event] ?? 'neutral'}>{row.event}</Badge>
        </TableCell>
        <TableCell className="whitespace-nowrap">{row.method}</TableCell>
        <TableCell className="min-w-32">{row.route || <None />}</TableCell>
        <TableCell className="max-w-48 [overflow-wrap:anywhere]">{row.remoteServer || <None />}</TableCell>
        <TableCell className="whitespace-nowrap font-mono text-xs">{code || <None />}</TableCell>
        <TableCell className="min-w-36">
          {row.reasonLabel ? (
            <span className="inline-flex flex-wrap items-center gap-1">
              {row.reasonLabel}
              {row.bounceClass && <Badge variant={row.bounceClass === 'hard' ? 'danger' : 'warning'}>{row.bounceClass}</Badge>}
            </span>
          ) : (
            <None />
          )}
        </TableCell>
      </TableRow>
      <TableRow id={detailId} hidden={!open} className="bg-canvas/50 hover:bg-canvas/50">
        <TableCell colSpan={COLUMN_COUNT} className="px-6 py-4">
          <dl className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
            <Field label="Time (UTC)">{row.occurredAtText}</Field>
            <Field label="Message ID">
              <span className="font-mono text-xs">{row.messageId}</span>
            </Field>
            <Field label="Sender">{row.sender}</Field>
            <Field label="Recipient">{row.recipient}</Field>
            <Field label="Event">{row.event}</Field>
            <Field label="Delivery method">{row.method}</Field>
            <Field label="Route">{row.route || <None />}</Field>
            <Field label="TLS">{row.tls || <None />}</Field>
            <Field label="Remote server">{row.remoteServer || <None />}</Field>
            <Field label="Source">{SOURCES[row.source] ?? row.source}</Field>
          </dl>
          <section aria-label={`Bounce diagnostics for ${row.recipient}`} className="mt-4 border-t border-line pt-4">
            <h2 className="mb-2 text-sm font-semibold text-ink">Bounce diagnostics</h2>
            {row.happened && (
              <dl className="mb-4 grid gap-3 sm:grid-cols-2">
                <Field label="What happened">{row.happened}</Field>
                {row.side && <Field label="Whose side">{row.side}</Field>}
                <Field label="Will it be retried?">{row.retry}</Field>
                {row.todo && <Field label="What to do">{row.todo}</Field>}
              </dl>
            )}
            <dl className="grid gap-3 sm:grid-cols-4">
              <Field label="Reason">{row.reasonLabel || <None />}</Field>
              <Field label="Bounce class">
                {row.bounceClass ?? <None />}
                {row.reportedClass && <span className="text-muted"> (the sender said {row.reportedClass})</span>}
              </Field>
              <Field label="SMTP code">{row.smtpCode ?? <None />}</Field>
              <Field label="Enhanced status code">{row.enhancedCode || <None />}</Field>
              {row.dsnAction && <Field label="Report action">{row.dsnAction}</Field>}
            </dl>
            {row.explanation && <p className="mt-3 text-sm text-muted">Status code: {row.explanation}</p>}
            <div className="mt-2">
              <p className="text-xs font-medium uppercase tracking-wide text-muted">The remote server said</p>
              <pre className="mt-1 whitespace-pre-wrap rounded bg-surface p-2 font-mono text-xs [overflow-wrap:anywhere]">{row.diagnostic || '(nothing)'}</pre>
            </div>
          </section>
        </TableCell>
      </TableRow>
    </>
  );
}

/** The rows with their expandable detail rows (the caret toggles a sibling row; no <details>). */
export function DeliveryEventRows({ rows, open }: { rows: DeliveryEventView[]; open?: number }) {
  return rows.map((row) => <Row key={row.id} row={row} initiallyOpen={row.id === open} />);
}
