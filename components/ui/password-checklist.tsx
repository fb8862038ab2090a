'use client';

import { Check, X } from './icons';
import { cn } from './cn';

export type PasswordRuleResult = { id: string; label: string; met: boolean };

export function PasswordChecklist({ results, className }: { results: PasswordRuleResult[]; className?: string }) {
  return (
    <ul aria-label="Password rules" aria-live="polite" className={cn('grid gap-1 text-sm', className)}>
      {results.map(({ id, label, met }) => {
        const Icon = met ? Check : X;
        return (
          <li key={id} data-met={met} className={cn('flex items-start gap-2', met ? 'text-ink' : 'text-muted')}>
            <Icon aria-hidden className={cn('mt-0.5 size-4 shrink-0', met ? 'text-success-600' : 'text-danger-600')} />
            <span>
              {label} <span className="sr-only">{met ? 'met' : 'not met'}</span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}
