import type { ComponentProps } from 'react';
import { cva, type VariantProps } from 'class-variance-authority';
import { cn } from './cn';

export const badgeVariants = cva(
  'inline-flex items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset [&_svg]:size-3',
  {
    variants: {
      variant: {
        neutral: 'bg-canvas text-muted ring-line',
        brand: 'bg-brand-50 text-brand-700 ring-brand-200',
        success: 'bg-success-50 text-success-700 ring-success-600/25',
        warning: 'bg-warning-50 text-warning-700 ring-warning-700/25',
        danger: 'bg-danger-50 text-danger-700 ring-danger-600/25',
      },
    },
    defaultVariants: { variant: 'neutral' },
  },
);

export type BadgeProps = ComponentProps<'span'> & VariantProps<typeof badgeVariants>;

export function Badge({ className, variant, ...props }: BadgeProps) {
  return <span className={cn(badgeVariants({ variant }), className)} {...props} />;
}
