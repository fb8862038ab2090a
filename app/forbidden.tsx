import Link from 'next/link';
import { Logo } from '@/components/shell/logo';

export default function Forbidden() {
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center gap-4 px-4 text-center">
      <Logo />
      <h1 className="text-2xl font-semibold">You do not have access to this page</h1>
      <p className="max-w-sm text-sm text-muted">Your administrator level does not include it. Ask a level-1 administrator if you need it.</p>
      <Link href="/dashboard" className="text-sm font-medium text-brand-600 hover:underline">
        Go to the dashboard
      </Link>
    </div>
  );
}
