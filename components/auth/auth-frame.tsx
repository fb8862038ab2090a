import Link from 'next/link';
import type { ReactNode } from 'react';
import { Logo } from '@/components/shell/logo';

/** The centred page around sign-in and password forms, for administrators and portal users. */
export function AuthFrame({ children, homeHref, label }: { children: ReactNode; homeHref: string; label: string }) {
  return (
    <div className="flex min-h-dvh flex-col bg-canvas">
      <header className="px-6 py-5">
        <Link href={homeHref} className="inline-flex rounded-md" aria-label={label}>
          <Logo />
        </Link>
      </header>
      <main id="main" className="flex flex-1 items-start justify-center px-4 pb-16 pt-6 sm:pt-14">
        <div className="w-full max-w-md">{children}</div>
      </main>
      <footer className="px-6 py-6 text-center text-xs text-muted">Sealpost secure email · Messages and attachments are encrypted at rest (AES-256-GCM, a key per message), and in transit over https</footer>
    </div>
  );
}
