import { Mail } from '@/components/ui/icons';

export function Logo({ className = '' }: { className?: string }) {
  return (
    <span className={`inline-flex items-center gap-2 text-lg font-semibold tracking-tight text-ink ${className}`}>
      <span className="relative flex size-8 items-center justify-center rounded-lg bg-brand-600 text-white shadow-sm">
        <Mail aria-hidden className="size-4" />
        <span aria-hidden className="absolute -bottom-0.5 -right-0.5 size-3 rounded-full border-2 border-white bg-success-600" />
      </span>
      Sealpost
    </span>
  );
}
