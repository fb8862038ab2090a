import type { ComponentProps } from 'react';
import { cn } from './cn';

/** Decorative placeholder; announce loading elsewhere (e.g. aria-busy on the region). */
export function Skeleton({ className, ...props }: ComponentProps<'div'>) {
  return <div aria-hidden className={cn('animate-pulse rounded-md bg-line', className)} {...props} />;
}
