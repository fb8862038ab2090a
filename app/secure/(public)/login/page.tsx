import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { z } from 'zod';
import { SIGN_IN_EMAIL_COOKIE } from '@/lib/auth/flow-cookie';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { signInError } from '@/lib/domain-sign-in/browser-state';
import { LoginForm } from '@/components/auth/login-form';
import { SignInRefusal } from '@/components/auth/sign-in-refusal';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { getCurrentPortalUser } from '@/lib/auth/session';
import { OrganisationBrand } from '@/components/portal/organisation-brand';
import { getDb } from '@/db/client';
import { brandingOfMessage } from '@/lib/organisations/branding';
import { portalSignInAction, portalSignInMethodAction, startPortalDomainSignInAction } from '../../actions';

export const metadata: Metadata = { title: 'Secure messages · Sign in · Sealpost' };

const notices: Record<string, string> = {
  'password-set': 'Your password is set. Sign in with it to read your secure messages.',
  'password-changed': 'Your password was changed. Sign in with your new password.',
  'signed-out': 'You have been signed out.',
};

export default async function PortalLoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  if (await getCurrentPortalUser()) redirect('/secure/inbox');
  const params = await searchParams;
  const refused = await signInError();
  const notice = typeof params.notice === 'string' ? notices[params.notice] : undefined;
  const callbackUrl = typeof params.callbackUrl === 'string' ? params.callbackUrl : undefined;
  const justActivated = (await cookies()).get(SIGN_IN_EMAIL_COOKIE)?.value ?? '';
  const defaultEmail = z.email().max(254).safeParse(justActivated).success ? justActivated : undefined;
  // Come from a notification's link: the organisation that wrote, with its logo, so the recipient
  // knows who it is from before signing in (its name and logo are public, like a letterhead).
  const messageId = /^\/secure\/messages\/([0-9a-f-]{36})(?:[/?#]|$)/i.exec(callbackUrl ?? '')?.[1];
  const brand = messageId ? await brandingOfMessage(getDb(), messageId) : null;
  return (
    <Card>
      <CardHeader>
        {brand && (
          <div className="mb-2 flex flex-wrap items-center gap-2 border-b border-line pb-4">
            <OrganisationBrand brand={brand} />
          </div>
        )}
        <h1 className="text-2xl font-semibold tracking-tight">Secure messages</h1>
        <CardDescription>
          {brand ? `${brand.name} sent you a secure message. Sign in to read it.` : 'Sign in to read and send secure messages. First time here? Use the link in your notification email.'}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-5">
        {notice && <Alert variant="success">{notice}</Alert>}
        {refused && <SignInRefusal message={refused} path="/secure/login" />}
        <LoginForm callbackUrl={callbackUrl} defaultEmail={defaultEmail} action={portalSignInAction}
          methodAction={portalSignInMethodAction}
          domainAction={startPortalDomainSignInAction}
          resetHref="/secure/reset-password" />
      </CardContent>
    </Card>
  );
}
