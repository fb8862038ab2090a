import type { Metadata } from 'next';
import { connection } from 'next/server';
import { ConfirmEmailChange } from '@/components/auth/confirm-email-change';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { EMAIL_CHANGE_LINK_INVALID, findEmailChange } from '@/lib/administrators/confirm-email-change';
import { confirmEmailChangeAction } from '../../actions';

export const metadata: Metadata = { title: 'Confirm your new email address · Sealpost', referrer: 'no-referrer' };

/**
 * The link sent to an administrator's new address. Opening it only shows the change: a button
 * makes it, so a mail scanner that fetches links does not confirm anything by itself.
 */
export default async function ConfirmEmailPage({ params }: { params: Promise<{ token: string }> }) {
  await connection();
  const { token } = await params;
  const change = await findEmailChange(token);
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Confirm your new email address</h1>
        {change && (
          <CardDescription>
            {change.name} will sign in to Sealpost with {change.newEmail} instead of {change.oldEmail}.
          </CardDescription>
        )}
      </CardHeader>
      <CardContent className="grid gap-4">
        {change ? (
          <ConfirmEmailChange token={token} newEmail={change.newEmail} action={confirmEmailChangeAction} />
        ) : (
          <Alert variant="warning" title="This link cannot be used">
            {EMAIL_CHANGE_LINK_INVALID}
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}
