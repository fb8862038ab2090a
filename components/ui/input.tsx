import type { ComponentProps } from 'react';
import { cn } from './cn';

// Shared by input, textarea and select. Border is muted/75 (not `line`) so the
// control boundary keeps ≥3:1 contrast on white (WCAG 1.4.11).
export const controlClasses = cn(
  'w-full min-w-0 rounded-md border border-muted/75 bg-surface px-3 text-base text-ink shadow-xs sm:text-sm',
  'placeholder:text-muted transition-colors',
  'focus-visible:border-brand-600 focus-visible:outline-2 focus-visible:outline-offset-0 focus-visible:outline-brand-600',
  'aria-invalid:border-danger-600 aria-invalid:focus-visible:outline-danger-600',
  'disabled:cursor-not-allowed disabled:bg-canvas disabled:opacity-60',
);

export function Input({ className, type = 'text', ...props }: ComponentProps<'input'>) {
  return <input type={type} className={cn(controlClasses, 'h-9 read-only:bg-canvas', className)} {...props} />;
}
