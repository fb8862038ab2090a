'use client';

import { CircleCheck, FileSpreadsheet, Upload } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { toast } from '@/components/ui/toast';
import { MAX_IMPORT_BYTES, type ImportReport } from '@/lib/licensing/import-report';
import { BuyLicensesPrompt, type Buying } from './buy-licenses-prompt';

type Phase = { kind: 'idle' } | { kind: 'uploading'; percent: number } | { kind: 'checking' } | { kind: 'done'; report: ImportReport } | { kind: 'failed'; message: string };

/** Uploads with progress: XHR reports upload progress, which fetch() cannot. */
function upload(file: File, query: string, onProgress: (percent: number) => void, onUploaded: () => void): Promise<ImportReport> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/licensed-emails/import${query}`);
    xhr.setRequestHeader('Content-Type', 'text/csv');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    };
    xhr.upload.onload = onUploaded;
    xhr.onerror = () => reject(new Error('The upload failed. Check your connection and try again.'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) resolve(body as ImportReport);
      else reject(new Error((body as { error?: { message?: string } } | null)?.error?.message ?? `The import failed (${xhr.status}). Try again.`));
    };
    xhr.send(file);
  });
}

export function CsvImport({ buying, domains, onDone }: { buying: Buying; domains: string[]; onDone: () => void }) {
  const router = useRouter();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const busy = phase.kind === 'uploading' || phase.kind === 'checking';

  async function send(query: string) {
    if (!file) return;
    setPhase({ kind: 'uploading', percent: 0 });
    try {
      const report = await upload(
        file,
        query,
        (percent) => setPhase({ kind: 'uploading', percent }),
        () => setPhase({ kind: 'checking' }),
      );
      if (report.outcome.status === 'ordered') {
        router.push(`/checkout/${report.outcome.orderId}`);
        return;
      }
      setPhase({ kind: 'done', report });
      if (report.outcome.status === 'added') {
        toast({ title: `${report.outcome.added.toLocaleString('en-US')} addresses added`, variant: 'success' });
        router.refresh();
      }
    } catch (e) {
      setPhase({ kind: 'failed', message: e instanceof Error ? e.message : 'The import failed.' });
    }
  }

  return (
    <div className="grid gap-4">
      <div className="rounded-card border border-dashed border-muted/60 bg-canvas/60 p-5 text-sm">
        <p className="flex items-center gap-2 font-medium">
          <FileSpreadsheet aria-hidden className="size-4 text-brand-600" /> One column with the header <code>Email</code>
        </p>
        <pre className="mt-2 rounded-md bg-surface p-2 text-xs text-ink">{`"Email"\n"first.last@${domains[0] ?? 'example.com'}"\n"another@${domains[0] ?? 'example.com'}"`}</pre>
        <p className="mt-2 text-muted">Up to {MAX_IMPORT_BYTES / 1024 / 1024} MB (about 250,000 addresses). Excel&apos;s “CSV UTF-8” format works.</p>
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <label htmlFor="csv-file" className="text-sm font-medium">
          CSV file
        </label>
        <input
          ref={input}
          id="csv-file"
          type="file"
          accept=".csv,text/csv"
          className="text-sm file:mr-3 file:cursor-pointer file:rounded-md file:border file:border-line file:bg-surface file:px-3 file:py-1.5 file:text-sm file:font-medium"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setPhase({ kind: 'idle' });
          }}
          disabled={busy}
        />
      </div>
      {phase.kind === 'uploading' && (
        <div className="grid gap-1" aria-live="polite">
          <p className="text-sm">Uploading… {phase.percent}%</p>
          <progress className="h-2 w-full accent-brand-600" max={100} value={phase.percent} aria-label="Upload progress" />
        </div>
      )}
      {phase.kind === 'checking' && (
        <div className="grid gap-1" aria-live="polite">
          <p className="text-sm">Checking every line and saving…</p>
          <progress className="h-2 w-full accent-brand-600" aria-label="Processing the file" />
        </div>
      )}
      <LiveAlert show={phase.kind === 'failed'} variant="danger">{phase.kind === 'failed' ? phase.message : null}</LiveAlert>
      {phase.kind === 'done' && (
        <ImportResult
          report={phase.report}
          buying={buying}
          onBuy={(quantity) => send(`?then=order&quantity=${quantity}`)}
          onClose={onDone}
        />
      )}
      <div className="flex justify-end">
        <Button type="button" onClick={() => send('?then=add')} disabled={!file || busy} loading={busy}>
          <Upload aria-hidden /> Upload
        </Button>
      </div>
    </div>
  );
}

function ImportResult({ report, buying, onBuy, onClose }: { report: ImportReport; buying: Buying; onBuy: (quantity: number) => Promise<void>; onClose: () => void }) {
  const { outcome } = report;
  return (
    <div className="grid gap-3">
      {outcome.status === 'added' && (
        <Alert variant="success" title={`${outcome.added.toLocaleString('en-US')} of ${report.totalLines.toLocaleString('en-US')} lines added`}>
          {report.problemCount > 0 ? 'The lines below were skipped; fix them and upload those again.' : 'Every line was added.'}{' '}
          <button type="button" className="cursor-pointer font-medium underline" onClick={onClose}>
            Close
          </button>
        </Alert>
      )}
      {outcome.status === 'nothing_to_add' && (
        <Alert variant="warning" title="Nothing to add">
          {report.totalLines > 0
            ? 'No line of the file can be added; see why below.'
            : report.problemCount > 0
              ? 'The file cannot be read as a list of addresses; see why below.'
              : 'The file has no addresses after its header.'}
        </Alert>
      )}
      {outcome.status === 'needs_licenses' && (
        <BuyLicensesPrompt count={report.valid} missing={outcome.missing} available={outcome.available} buying={buying} onBuy={onBuy} />
      )}
      {report.problemCount > 0 && (
        <div className="grid gap-2">
          <p className="text-sm font-medium">
            {report.problemCount.toLocaleString('en-US')} line{report.problemCount === 1 ? '' : 's'} cannot be added
          </p>
          <div className="max-h-64 overflow-y-auto rounded-card border border-line">
            <Table aria-label="Lines that cannot be added">
              <TableHeader>
                <TableRow>
                  <TableHead>Line</TableHead>
                  <TableHead>Reason</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {report.problems.map((p, i) => (
                  <TableRow key={`${p.line}-${i}`}>
                    <TableCell className="tabular-nums">{p.line.toLocaleString('en-US')}</TableCell>
                    {/* The line is in its own column; the report's message starts with it too. */}
                    <TableCell>{p.message.replace(/^Line [\d,]+: /, '')}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
        </div>
      )}
      {outcome.status === 'added' && report.problemCount === 0 && (
        <p className="flex items-center gap-2 text-sm text-success-700">
          <CircleCheck aria-hidden className="size-4" /> All done.
        </p>
      )}
    </div>
  );
}
