import type { ComponentProps } from 'react';
import { cn } from './cn';

/**
 * A base class and the caller's classes. The rows, heads and cells use one component class each
 * (`data-row`, `data-head`, `data-cell` in globals.css), which utilities override by layer, so
 * there is nothing to merge: joining them spares a class merge per cell, hundreds on a list page.
 */
function withBase(base: string, className: string | undefined): string {
  return className ? `${base} ${className}` : base;
}

/**
 * Wrapped in an overflow-x container so wide tables scroll instead of breaking the layout. The
 * container is a region in the tab order, named like the table, so a keyboard can scroll it too
 * (WCAG 2.1.1).
 */
export function Table({ className, containerClassName, ...props }: ComponentProps<'table'> & { 'aria-label': string; containerClassName?: string }) {
  return (
    <div
      role="region"
      aria-label={props['aria-label']}
      tabIndex={0}
      className={cn('relative w-full overflow-x-auto focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-600', containerClassName)}
    >
      <table className={cn('w-full caption-bottom border-collapse text-sm', className)} {...props} />
    </div>
  );
}

export function TableHeader({ className, ...props }: ComponentProps<'thead'>) {
  return <thead className={cn('sticky top-0 z-10 bg-canvas [&_tr]:border-b [&_tr]:border-line', className)} {...props} />;
}

export function TableBody({ className, ...props }: ComponentProps<'tbody'>) {
  return <tbody className={cn('[&_tr:last-child]:border-0', className)} {...props} />;
}

export function TableRow({ className, ...props }: ComponentProps<'tr'>) {
  return <tr className={withBase('data-row', className)} {...props} />;
}

export function TableHead({ className, scope = 'col', ...props }: ComponentProps<'th'>) {
  return <th scope={scope} className={withBase('data-head', className)} {...props} />;
}

export function TableCell({ className, ...props }: ComponentProps<'td'>) {
  return <td className={withBase('data-cell', className)} {...props} />;
}
