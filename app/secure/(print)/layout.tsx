import type { ReactNode } from 'react';

export default function PortalPrintLayout({ children }: { children: ReactNode }) {
  return <div className="min-h-dvh bg-white">{children}</div>;
}
