import type { ComponentProps } from 'react';
import { ChevronDown } from './icons';
import { cn } from './cn';
import { controlClasses } from './input';

/** Native <select> with custom chrome; pass <option>s as children. */
export function Select({ className, children, ...props }: ComponentProps<'select'>) {
  return (
    <div className="relative w-full">
      <select className={cn(controlClasses, 'h-9 cursor-pointer appearance-none pr-9', className)} {...props}>
        {children}
      </select>
      <ChevronDown aria-hidden className="pointer-events-none absolute top-1/2 right-3 size-4 -translate-y-1/2 text-muted" />
    </div>
  );
}
