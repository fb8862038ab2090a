import Link from 'next/link';
import { Logo } from '@/components/shell/logo';

export default function NotFound() {
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center gap-4 px-4 text-center">
      <Logo />
      <h1 className="text-2xl font-semibold">Page not found</h1>
      <p className="max-w-sm text-sm text-muted">The page you asked for does not exist, or you do not have access to it.</p>
      <Link href="/dashboard" className="text-sm font-medium text-brand-600 hover:underline">
        Go to the dashboard
      </Link>
    </div>
  );
}
