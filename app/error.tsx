'use client';

import { Logo } from '@/components/shell/logo';
import { Button } from '@/components/ui/button';

/** Never shows a stack or SQL: a plain message and the digest to quote to support. */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main id="main" className="flex min-h-dvh flex-col items-center justify-center gap-4 px-4 text-center">
      <Logo />
      <h1 className="text-2xl font-semibold">Something went wrong</h1>
      <p className="max-w-sm text-sm text-muted">
        We could not show this page. Try again in a moment.
        {error.digest ? ` Reference: ${error.digest}.` : ''}
      </p>
      <Button onClick={reset}>Try again</Button>
    </main>
  );
}
