import type { ReactNode } from 'react';

/** Printable documents: no navigation, white page. */
export default function PrintLayout({ children }: { children: ReactNode }) {
  return <div className="min-h-dvh bg-white print:bg-white">{children}</div>;
}
