import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { PasskeyManager, type PasskeyItem } from '@/components/auth/passkeys';
import { RegenerateRecoveryCodes, SignOutButton, TotpEnrolment } from '@/components/auth/two-factor-setup';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { getDb } from '@/db/client';
import { listPasskeys, type PasskeyView } from '@/lib/auth/passkeys';
import { getCurrentAdmin, redirectToAdminSignIn } from '@/lib/auth/session';
import { SET_UP_TWO_FACTOR_FIRST } from '@/lib/auth/two-factor-messages';
import { hasTotp, totpEnrolment, unusedRecoveryCodeCount } from '@/lib/auth/two-factor';
import { formatDateTime, formatDay } from '@/lib/format';
import { addPasskeyAction, confirmTotpAction, passkeyRegistrationOptionsAction, regenerateRecoveryCodesAction, removePasskeyAction, renamePasskeyAction, signOutAction } from '../actions';

export const metadata: Metadata = { title: 'Two-factor authentication · Sealpost', referrer: 'no-referrer' };

const kindLabels: Record<PasskeyView['kind'], string> = { synced: 'Synced passkey', device: 'Passkey on one device', security_key: 'Security key' };

/**
 * The administrator's second factors: an authenticator app (QR code drawn on the server, the key
 * in text, confirmed by a first code), passkeys and security keys, then recovery codes. The one
 * page an administrator whose organisation requires a second factor can reach before enrolling.
 */
export default async function TwoFactorPage() {
  await connection();
  const admin = await getCurrentAdmin();
  if (!admin) return redirectToAdminSignIn();
  if (admin.mustChangePassword) redirect('/change-password');
  const [enrolled, passkeys] = await Promise.all([hasTotp(admin.id), listPasskeys(getDb(), admin.id)]);
  const enrolment = enrolled ? null : await totpEnrolment(admin);
  const items: PasskeyItem[] = passkeys.map((p) => ({ id: p.id, name: p.name, kind: kindLabels[p.kind], added: formatDay(p.createdAt), lastUsed: p.lastUsedAt ? formatDateTime(p.lastUsedAt) : null }));
  const anyFactor = enrolled || passkeys.length > 0;
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Two-factor authentication</h1>
        <CardDescription>Signed in as {admin.email}.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6">
        {admin.mustEnrolSecondFactor && (
          <Alert variant="info" title="Required by your organisation">
            {SET_UP_TWO_FACTOR_FIRST} Set up an authenticator app or add a passkey or security key.
          </Alert>
        )}
        <section aria-labelledby="totp-heading" className="grid gap-4">
          <h2 id="totp-heading" className="text-lg font-semibold">
            Authenticator app
          </h2>
          {enrolled ? (
            <Alert variant="success">On: you sign in with your password and a code from your authenticator app.</Alert>
          ) : (
            enrolment && <TotpEnrolment qrDataUrl={enrolment.qrDataUrl} secret={enrolment.secret} action={confirmTotpAction} />
          )}
        </section>
        <PasskeyManager
          passkeys={items}
          optionsAction={passkeyRegistrationOptionsAction}
          addAction={addPasskeyAction}
          renameAction={renamePasskeyAction}
          removeAction={removePasskeyAction}
        />
        {anyFactor && (
          <section aria-labelledby="recovery-heading" className="grid gap-3">
            <h2 id="recovery-heading" className="text-lg font-semibold">
              Recovery codes
            </h2>
            <RegenerateRecoveryCodes unused={await unusedRecoveryCodeCount(admin.id)} action={regenerateRecoveryCodesAction} />
          </section>
        )}
        {anyFactor && !admin.mustEnrolSecondFactor && (
          <Link href="/dashboard" className="text-sm font-medium text-brand-600 hover:underline">
            Back to the dashboard
          </Link>
        )}
        {admin.mustEnrolSecondFactor && <SignOutButton action={signOutAction} />}
      </CardContent>
    </Card>
  );
}
