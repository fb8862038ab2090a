import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import { Suspense, type ReactNode } from 'react';
import { FocusManager } from '@/components/shell/focus-manager';
import { NavigationProgress } from '@/components/shell/navigation-progress';
import { Toaster } from '@/components/ui/toast';
import './globals.css';

export const metadata: Metadata = {
  title: 'Sealpost',
  description: 'Secure email administration and secure-message portal',
  manifest: '/manifest.webmanifest',
  icons: { apple: '/apple-touch-icon.png' },
  robots: { index: false, follow: false },
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1, themeColor: '#2452e0' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request: the CSP nonce (scripts/server.ts) is only applied to dynamic pages.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-dvh font-sans">
        {/* First in the document: after a page change focus starts here, so the next Tab is the skip link. */}
        <Suspense fallback={null}>
          <FocusManager />
        </Suspense>
        <a
          href="#main"
          className="sr-only z-50 rounded-md bg-surface px-3 py-2 text-sm font-medium text-brand-700 shadow focus:not-sr-only focus:fixed focus:top-3 focus:left-3 focus:inline-flex focus:min-h-11 focus:items-center"
        >
          Skip to content
        </a>
        <Suspense fallback={null}>
          <NavigationProgress />
        </Suspense>
        {children}
        <Toaster />
      </body>
    </html>
  );
}
