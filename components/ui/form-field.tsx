import type { ReactNode } from 'react';
import { CircleAlert } from './icons';
import { cn } from './cn';
import { Label } from './label';

export const hintId = (id: string) => `${id}-hint`;
export const errorId = (id: string) => `${id}-error`;

type Messages = { hint?: ReactNode; error?: ReactNode };

/** Props to spread on the control so it points at FormField's hint and error. */
export function fieldA11y(id: string, { hint, error }: Messages = {}) {
  const describedBy = [hint ? hintId(id) : null, error ? errorId(id) : null].filter(Boolean).join(' ');
  return {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy || undefined,
  } as const;
}

export type FormFieldProps = Messages & {
  id: string;
  label: ReactNode;
  children: ReactNode;
  className?: string;
};

export function FormField({ id, label, hint, error, children, className }: FormFieldProps) {
  return (
    <div className={cn('grid gap-1.5', className)}>
      <Label htmlFor={id}>{label}</Label>
      {children}
      {hint && (
        <p id={hintId(id)} className="text-sm text-muted">
          {hint}
        </p>
      )}
      {/* No role="alert": the control's aria-describedby announces this on focus. */}
      {error && (
        <p id={errorId(id)} className="flex items-start gap-1.5 text-sm font-medium text-danger-600">
          <CircleAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
          <span>{error}</span>
        </p>
      )}
    </div>
  );
}
