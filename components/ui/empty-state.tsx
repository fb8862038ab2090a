import type { ReactNode } from 'react';
import type { IconComponent } from './icons';
import { cn } from './cn';

export type EmptyStateProps = {
  icon?: IconComponent;
  title: ReactNode;
  description?: ReactNode;
  action?: ReactNode;
  className?: string;
};

export function EmptyState({ icon: Icon, title, description, action, className }: EmptyStateProps) {
  return (
    <div className={cn('flex flex-col items-center px-6 py-12 text-center', className)}>
      {Icon && (
        <div className="mb-4 flex size-12 items-center justify-center rounded-full bg-brand-50 text-brand-600">
          <Icon aria-hidden className="size-6" />
        </div>
      )}
      {/* data-result-summary: what a submitted search's page focuses when nothing matched (components/shell/focus-manager.tsx). */}
      <h2 data-result-summary="" className="text-base font-semibold text-ink">
        {title}
      </h2>
      {description && <p className="mt-1 max-w-sm text-sm text-muted">{description}</p>}
      {action && <div className="mt-6">{action}</div>}
    </div>
  );
}
