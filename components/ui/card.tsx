import type { ComponentProps } from 'react';
import { cn } from './cn';

export function Card({ className, ...props }: ComponentProps<'div'>) {
  // min-w-0: a card in a grid or flex row fits its column; a wide table inside scrolls instead of widening the page.
  return <div className={cn('min-w-0 rounded-card border border-line bg-surface text-ink shadow-xs', className)} {...props} />;
}

export function CardHeader({ className, ...props }: ComponentProps<'div'>) {
  return <div className={cn('flex flex-col gap-1 p-6', className)} {...props} />;
}

type HeadingLevel = 'h2' | 'h3' | 'h4';

/** Renders an h2 by default (cards usually sit under the page's h1); pick `as` to fit the outline. */
export function CardTitle({ className, as: Heading = 'h2', ...props }: ComponentProps<'h2'> & { as?: HeadingLevel }) {
  return <Heading className={cn('text-base font-semibold leading-snug text-ink', className)} {...props} />;
}

export function CardDescription({ className, ...props }: ComponentProps<'p'>) {
  return <p className={cn('text-sm text-muted', className)} {...props} />;
}

export function CardContent({ className, ...props }: ComponentProps<'div'>) {
  return <div className={cn('px-6 pb-6 first:pt-6', className)} {...props} />;
}

export function CardFooter({ className, ...props }: ComponentProps<'div'>) {
  return (
    <div
      className={cn('flex items-center gap-2 rounded-b-card border-t border-line bg-canvas/60 px-6 py-4', className)}
      {...props}
    />
  );
}
