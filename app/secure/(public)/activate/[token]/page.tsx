import type { Metadata } from 'next';
import Link from 'next/link';
import { connection } from 'next/server';
import { SetPasswordForm } from '@/components/auth/set-password-form';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { findPortalLink, PORTAL_LINK_INVALID } from '@/lib/portal/accounts';
import { setPortalPasswordAction } from '../../../actions';

export const metadata: Metadata = { title: 'Secure messages · Create your password · Sealpost', referrer: 'no-referrer' };

export default async function ActivatePage({ params }: { params: Promise<{ token: string }> }) {
  await connection();
  const { token } = await params;
  const link = await findPortalLink(token);
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">{link?.firstTime === false ? 'Choose a new password' : 'Create your password'}</h1>
        {link && <CardDescription>For {link.email}. You will then sign in with it to read your secure messages.</CardDescription>}
      </CardHeader>
      <CardContent className="grid gap-4">
        {link ? (
          <SetPasswordForm
            token={token}
            email={link.email}
            action={setPortalPasswordAction}
            requestHref="/secure/reset-password"
            submitLabel={link.firstTime ? 'Create password' : 'Set new password'}
          />
        ) : (
          <>
            <Alert variant="warning" title="This link cannot be used">
              {PORTAL_LINK_INVALID.replace(' below', '')}
            </Alert>
            <Link href="/secure/reset-password" className="text-sm font-medium text-brand-600 hover:underline">
              Ask for a new link
            </Link>
          </>
        )}
      </CardContent>
    </Card>
  );
}
