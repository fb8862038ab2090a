import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { getCurrentAdmin } from '@/lib/auth/session';
import { TWO_FACTOR_PATH } from '@/lib/auth/two-factor-messages';
import { ChangePasswordForm } from '@/components/auth/change-password-form';
import { changePasswordAction } from '../actions';

export const metadata: Metadata = { title: 'Change password · Sealpost' };

export default async function ChangePasswordPage() {
  await connection();
  const admin = await getCurrentAdmin();
  if (!admin) redirect('/login');
  if (admin.mustEnrolSecondFactor && !admin.mustChangePassword) redirect(TWO_FACTOR_PATH);
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">
          {admin.mustChangePassword ? 'Set your own password' : 'Change password'}
        </h1>
        <CardDescription>
          Signed in as {admin.email}. After the change you will sign in again with the new password.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {admin.mustChangePassword && (
          <Alert variant="info" title="A new password is required">
            Your password was set by an administrator. Choose one only you know before you continue.
          </Alert>
        )}
        <ChangePasswordForm email={admin.email} action={changePasswordAction} signInHref="/login" />
        {!admin.mustChangePassword && (
          <Link href="/dashboard" className="text-center text-sm font-medium text-brand-600 hover:underline">
            Cancel and go back
          </Link>
        )}
      </CardContent>
    </Card>
  );
}
