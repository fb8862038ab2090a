import type { ComponentProps, ReactNode } from 'react';
import { cva, type VariantProps } from 'class-variance-authority';
import { CircleAlert, CircleCheck, Info, TriangleAlert, type IconComponent } from './icons';
import { cn } from './cn';

const alertVariants = cva('flex gap-3 rounded-card border p-4 text-sm', {
  variants: {
    variant: {
      info: 'border-brand-200 bg-brand-50 text-brand-900 [&>svg]:text-brand-600',
      success: 'border-success-600/25 bg-success-50 text-success-700 [&>svg]:text-success-600',
      warning: 'border-warning-700/25 bg-warning-50 text-warning-700 [&>svg]:text-warning-700',
      danger: 'border-danger-600/25 bg-danger-50 text-danger-700 [&>svg]:text-danger-600',
    },
  },
  defaultVariants: { variant: 'info' },
});

const icons: Record<NonNullable<AlertProps['variant']>, IconComponent> = {
  info: Info,
  success: CircleCheck,
  warning: TriangleAlert,
  danger: CircleAlert,
};

export type AlertProps = Omit<ComponentProps<'div'>, 'title'> &
  VariantProps<typeof alertVariants> & { title?: ReactNode };

/**
 * Always role="status" unless overridden: Next's route announcer already uses
 * role="alert", and a second one makes the page ambiguous for assistive tech and tests.
 */
export function Alert({ className, variant, title, role = 'status', children, ...props }: AlertProps) {
  const Icon = icons[variant ?? 'info'];
  return (
    <div role={role} className={cn(alertVariants({ variant }), className)} {...props}>
      <Icon aria-hidden className="mt-0.5 size-4 shrink-0" />
      <div className="grid gap-1">
        {title && <p className="font-semibold">{title}</p>}
        {children && <div className="[&_a]:font-medium [&_a]:underline">{children}</div>}
      </div>
    </div>
  );
}

export type LiveAlertProps = Omit<AlertProps, 'role'> & {
  /** Whether there is anything to say: the alert is drawn inside the region only then. */
  show: unknown;
  /** The region's own class (layout around it); `className` styles the alert. */
  regionClassName?: string;
};

/**
 * An alert that comes and goes (a form's refusal, a failed step) inside a live region that is on
 * the page from the start: a role="status" element inserted together with its text is often not
 * read out, so the region stays mounted, empty (and out of the layout: `empty:absolute`, never
 * display:none, which would take it out of the accessibility tree) until there is something to say.
 * The text is in the page once, in the region.
 */
export function LiveAlert({ show, regionClassName, ...alertProps }: LiveAlertProps) {
  return (
    <div role="status" aria-atomic="true" className={cn('empty:absolute', regionClassName)}>
      {show ? <Alert role="none" {...alertProps} /> : null}
    </div>
  );
}
