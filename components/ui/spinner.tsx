import type { ComponentProps } from 'react';
import { Loader2 } from './icons';
import { cn } from './cn';

export type SpinnerProps = Omit<ComponentProps<'span'>, 'children'> & {
  /** Screen-reader text. */
  label?: string;
};

export function Spinner({ className, label = 'Loading', ...props }: SpinnerProps) {
  return (
    <span role="status" className={cn('inline-flex items-center text-muted', className)} {...props}>
      <Loader2 aria-hidden className="size-5 animate-spin" />
      <span className="sr-only">{label}</span>
    </span>
  );
}
