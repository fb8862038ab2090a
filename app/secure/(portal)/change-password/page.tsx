import type { Metadata } from 'next';
import { connection } from 'next/server';
import { ChangePasswordForm } from '@/components/auth/change-password-form';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { requirePortalPage } from '@/lib/auth/session';
import { changePortalPasswordAction } from '../../actions';

export const metadata: Metadata = { title: 'Change password · Secure messages · Sealpost' };

export default async function PortalChangePasswordPage() {
  await connection();
  const user = await requirePortalPage();
  return (
    <Card className="max-w-lg">
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Change password</h1>
        <CardDescription>Signed in as {user.email}. After the change you will sign in again with the new password.</CardDescription>
      </CardHeader>
      <CardContent>
        <ChangePasswordForm email={user.email} action={changePortalPasswordAction} signInHref="/secure/login" />
      </CardContent>
    </Card>
  );
}
