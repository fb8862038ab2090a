import type { ComponentProps } from 'react';
import { Slot } from 'radix-ui';
import { cva, type VariantProps } from 'class-variance-authority';
import { Loader2 } from './icons';
import { cn } from './cn';

/** The classes of a button (see `.btn` in globals.css): one short class per variant and size. */
export const buttonVariants = cva('btn', {
  variants: {
    variant: {
      primary: 'btn-primary',
      secondary: 'btn-secondary',
      outline: 'btn-outline',
      ghost: 'btn-ghost',
      danger: 'btn-danger',
      'danger-ghost': 'btn-danger-ghost',
      link: 'btn-link',
    },
    size: { sm: 'btn-sm', md: 'btn-md', lg: 'btn-lg', icon: 'btn-icon' },
  },
  defaultVariants: { variant: 'primary', size: 'md' },
});

/**
 * A button's class string, computed once per variant, size and extra classes: a page renders many
 * buttons (two per table row), and merging classes is the costliest part of rendering one.
 */
const classNames = new Map<string, string>();
function buttonClassName(variant: ButtonProps['variant'], size: ButtonProps['size'], className: string | undefined): string {
  const key = `${variant ?? ''}|${size ?? ''}|${className ?? ''}`;
  let value = classNames.get(key);
  if (value === undefined) {
    value = cn(buttonVariants({ variant, size }), className);
    // The keys are the class names written in the code: a bounded set, unless a caller builds them.
    if (classNames.size < 500) classNames.set(key, value);
  }
  return value;
}

export type ButtonProps = ComponentProps<'button'> &
  VariantProps<typeof buttonVariants> & {
    /** Render the single child element (e.g. a Next `<Link>`) with button styles. */
    asChild?: boolean;
    /** Shows a spinner, disables the button and sets aria-busy. */
    loading?: boolean;
  };

export function Button({
  className,
  variant,
  size,
  asChild = false,
  loading = false,
  disabled,
  children,
  ...props
}: ButtonProps) {
  const Comp = asChild ? Slot.Root : 'button';
  const inactive = Boolean(disabled || loading);
  return (
    <Comp
      className={buttonClassName(variant, size, className)}
      // Links can't be `disabled`; fall back to aria-disabled for asChild.
      disabled={asChild ? undefined : inactive}
      aria-disabled={asChild && inactive ? true : undefined}
      aria-busy={loading || undefined}
      {...props}
    >
      {loading && <Loader2 aria-hidden className="animate-spin" />}
      {asChild ? <Slot.Slottable>{children}</Slot.Slottable> : children}
    </Comp>
  );
}
