import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { SetPasswordForm } from '@/components/auth/set-password-form';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { findInvitation, INVITATION_UNKNOWN, invitationRefusals } from '@/lib/administrators/accept-invitation';
import { LEVEL_NAMES } from '@/lib/auth/permissions';
import { acceptInvitationAction } from '../../actions';

export const metadata: Metadata = { title: 'Accept your invitation · Sealpost', referrer: 'no-referrer' };

/**
 * The link in an administrator's invitation. Opening it only shows the form: choosing a password
 * and submitting it accepts, so a mail scanner that fetches links accepts nothing.
 */
export default async function AcceptInvitationPage({ params }: { params: Promise<{ token: string }> }) {
  await connection();
  const { token } = await params;
  const invitation = await findInvitation(token);
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Accept your invitation</h1>
        {invitation?.state === 'open' && (
          <CardDescription>
            {invitation.name}, you are invited to be a level {invitation.level} ({LEVEL_NAMES[invitation.level as 1 | 2 | 3]}) administrator of{' '}
            {invitation.organisation}. Choose your password; then sign in with {invitation.email}.
          </CardDescription>
        )}
      </CardHeader>
      <CardContent className="grid gap-4">
        {invitation?.state === 'open' ? (
          <SetPasswordForm token={token} email={invitation.email} action={acceptInvitationAction} submitLabel="Set password" />
        ) : (
          <>
            <Alert variant="warning" title="This invitation cannot be used">
              {invitation ? invitationRefusals[invitation.state] : INVITATION_UNKNOWN}
            </Alert>
            {invitation?.state === 'accepted' && (
              <Link href="/login" className="text-sm font-medium text-brand-600 hover:underline">
                Sign in
              </Link>
            )}
          </>
        )}
      </CardContent>
    </Card>
  );
}
