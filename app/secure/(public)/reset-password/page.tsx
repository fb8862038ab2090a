import type { Metadata } from 'next';
import { RequestResetForm } from '@/components/auth/request-reset-form';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { requestPortalPasswordLinkAction } from '../../actions';

export const metadata: Metadata = { title: 'Secure messages · Reset password · Sealpost' };

export default function PortalResetPage() {
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Reset password</h1>
        <CardDescription>Enter the address your secure messages are sent to. We will email you a link to choose a password.</CardDescription>
      </CardHeader>
      <CardContent>
        <RequestResetForm action={requestPortalPasswordLinkAction} signInHref="/secure/login" />
      </CardContent>
    </Card>
  );
}
