import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { findResetLink, RESET_LINK_INVALID } from '@/lib/auth/reset-password';
import { SetPasswordForm } from '@/components/auth/set-password-form';
import { resetPasswordAction } from '../../actions';

export const metadata: Metadata = { title: 'Choose a new password · Sealpost', referrer: 'no-referrer' };

export default async function ResetWithTokenPage({ params }: { params: Promise<{ token: string }> }) {
  await connection();
  const { token } = await params;
  const link = await findResetLink(token);
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Choose a new password</h1>
        {link && <CardDescription>For {link.email}. Every other session of this account will be signed out.</CardDescription>}
      </CardHeader>
      <CardContent className="grid gap-4">
        {link ? (
          <SetPasswordForm token={token} email={link.email} action={resetPasswordAction} requestHref="/reset-password" />
        ) : (
          <>
            <Alert variant="warning" title="This link cannot be used">
              {RESET_LINK_INVALID.replace(' below', '')}
            </Alert>
            <Link href="/reset-password" className="text-sm font-medium text-brand-600 hover:underline">
              Ask for a new reset link
            </Link>
          </>
        )}
      </CardContent>
    </Card>
  );
}
