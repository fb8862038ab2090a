import type { Metadata } from 'next';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { RequestResetForm } from '@/components/auth/request-reset-form';
import { requestPasswordResetAction } from '../actions';

export const metadata: Metadata = { title: 'Reset password · Sealpost' };

export default function ResetPasswordPage() {
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Reset password</h1>
        <CardDescription>
          Enter the email address you sign in with. We will send you a link to choose a new password.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <RequestResetForm action={requestPasswordResetAction} signInHref="/login" />
      </CardContent>
    </Card>
  );
}
