import Link from 'next/link';
import { Logo } from '@/components/shell/logo';

/** The secure-message portal's "not found": its way back is the inbox, not the administration portal. */
export default function SecureNotFound() {
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center gap-4 px-4 text-center">
      <Logo />
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="max-w-sm text-sm text-muted">This message or page does not exist, or it is not yours to open.</p>
      <Link href="/secure/inbox" className="text-sm font-medium text-brand-600 hover:underline">
        Go to your inbox
      </Link>
    </div>
  );
}
