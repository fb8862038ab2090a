import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { RegenerateRecoveryCodes, SignOutButton, TotpEnrolment } from '@/components/auth/two-factor-setup';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { getCurrentAdmin, redirectToAdminSignIn } from '@/lib/auth/session';
import { SET_UP_TWO_FACTOR_FIRST } from '@/lib/auth/two-factor-messages';
import { hasTotp, totpEnrolment, unusedRecoveryCodeCount } from '@/lib/auth/two-factor';
import { confirmTotpAction, regenerateRecoveryCodesAction, signOutAction } from '../actions';

export const metadata: Metadata = { title: 'Two-factor authentication · Sealpost', referrer: 'no-referrer' };

/**
 * The administrator's authenticator app: enrolment (QR code drawn on the server, the key in text,
 * confirmed by a first code), then recovery codes. The one page an administrator whose
 * organisation requires a second factor can reach before enrolling.
 */
export default async function TwoFactorPage() {
  await connection();
  const admin = await getCurrentAdmin();
  if (!admin) return redirectToAdminSignIn();
  if (admin.mustChangePassword) redirect('/change-password');
  const enrolled = await hasTotp(admin.id);
  const enrolment = enrolled ? null : await totpEnrolment(admin);
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Two-factor authentication</h1>
        <CardDescription>Signed in as {admin.email}.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {admin.mustEnrolSecondFactor && <Alert variant="info" title="Required by your organisation">{SET_UP_TWO_FACTOR_FIRST}</Alert>}
        {enrolled ? (
          <>
            <Alert variant="success">On: you sign in with your password and a code from your authenticator app.</Alert>
            <RegenerateRecoveryCodes unused={await unusedRecoveryCodeCount(admin.id)} action={regenerateRecoveryCodesAction} />
            <Link href="/dashboard" className="text-sm font-medium text-brand-600 hover:underline">
              Back to the dashboard
            </Link>
          </>
        ) : (
          enrolment && <TotpEnrolment qrDataUrl={enrolment.qrDataUrl} secret={enrolment.secret} action={confirmTotpAction} />
        )}
        {admin.mustEnrolSecondFactor && (
          <SignOutButton action={signOutAction} />
        )}
      </CardContent>
    </Card>
  );
}
