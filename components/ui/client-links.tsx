'use client';

import type { ReactNode } from 'react';
import { useClientNavigation } from './use-client-navigation';

/**
 * Client-side navigation for the plain `<a href>` links inside (sort headers, pagination):
 * one handler for the region instead of a `next/link` per link (see useClientNavigation).
 */
export function ClientLinks({ children }: { children: ReactNode }) {
  const navigate = useClientNavigation();
  return (
    <div className="contents" onClick={navigate}>
      {children}
    </div>
  );
}
