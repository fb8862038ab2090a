'use client';

import { useRef, useState, type ReactNode } from 'react';
import { buttonVariants } from '@/components/ui/button';
import { cn } from '@/components/ui/cn';
import { Download, Loader2 } from '@/components/ui/icons';

type Variant = 'button' | 'outline' | 'link';

/**
 * The invoice PDF: rendering it takes a moment (Chromium on the server), so the link fetches it
 * and says so meanwhile ("Preparing PDF…", announced), then saves the file. Without JavaScript, or
 * with a modifier key, it is an ordinary download link.
 */
export function PdfDownloadLink({
  invoiceId,
  number,
  variant = 'button',
  label,
  className,
}: {
  invoiceId: string;
  number: string;
  variant?: Variant;
  /** The link's words; "Download PDF" by default. */
  label?: ReactNode;
  className?: string;
}) {
  const [state, setState] = useState<'idle' | 'preparing' | 'failed'>('idle');
  const [problem, setProblem] = useState('');
  const busy = useRef(false);
  const href = `/invoices/${invoiceId}/pdf`;
  const filename = `invoice-${number}.pdf`;
  const classes =
    variant === 'link'
      ? 'inline-flex items-center gap-1.5 font-medium text-brand-600 hover:underline'
      : buttonVariants({ variant: variant === 'outline' ? 'outline' : 'primary', size: 'md' });

  return (
    <span className={cn('inline-flex flex-col gap-1', className)}>
      <a
        href={href}
        download={filename}
        className={cn(classes, state === 'preparing' && 'pointer-events-none opacity-80')}
        aria-label={variant === 'link' && !label ? `PDF of invoice ${number}` : undefined}
        aria-busy={state === 'preparing' || undefined}
        aria-disabled={state === 'preparing' || undefined}
        onClick={async (event) => {
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
          event.preventDefault();
          if (busy.current) return;
          busy.current = true;
          setState('preparing');
          setProblem('');
          try {
            const response = await fetch(href, { credentials: 'same-origin' });
            if (!response.ok || response.headers.get('content-type') !== 'application/pdf') {
              const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
              throw new Error(body?.error?.message ?? 'The PDF could not be made. Try again in a moment, or print the invoice page.');
            }
            const url = URL.createObjectURL(await response.blob());
            const save = document.createElement('a');
            save.href = url;
            save.download = filename;
            document.body.append(save);
            save.click();
            save.remove();
            setTimeout(() => URL.revokeObjectURL(url), 60_000);
            setState('idle');
          } catch (e) {
            setProblem(e instanceof Error ? e.message : 'The PDF could not be made.');
            setState('failed');
          } finally {
            busy.current = false;
          }
        }}
      >
        {state === 'preparing' ? <Loader2 aria-hidden className="size-4 animate-spin" /> : variant !== 'link' && <Download aria-hidden />}
        {state === 'preparing' ? 'Preparing PDF…' : (label ?? (variant === 'link' ? 'PDF' : 'Download PDF'))}
      </a>
      <span role="status" className="sr-only">
        {state === 'preparing' ? `Preparing the PDF of invoice ${number}` : ''}
      </span>
      {state === 'failed' && (
        <span role="alert" className="text-sm text-danger-600">
          {problem}
        </span>
      )}
    </span>
  );
}
