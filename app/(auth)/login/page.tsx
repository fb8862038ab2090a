import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { firstStepFor, getCurrentAdmin } from '@/lib/auth/session';
import { signInError } from '@/lib/domain-sign-in/browser-state';
import { LoginForm } from '@/components/auth/login-form';
import { SignInRefusal } from '@/components/auth/sign-in-refusal';
import { PasskeySignIn } from '@/components/auth/passkeys';
import { passkeySignInAction, passkeySignInOptionsAction, signInAction, signInMethodAction, startDomainSignInAction } from '../actions';

export const metadata: Metadata = { title: 'Sign in · Sealpost' };

const notices: Record<string, string> = {
  'password-changed': 'Your password was changed. Sign in with your new password.',
  'password-reset': 'Your password was reset. Sign in with your new password.',
  'signed-out': 'You have been signed out.',
  'invitation-accepted': 'Your password is set. Sign in with your email address and your new password.',
};

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const params = await searchParams;
  const admin = await getCurrentAdmin();
  if (admin) redirect(firstStepFor(admin) ?? '/dashboard');
  const refused = await signInError();
  const notice = typeof params.notice === 'string' ? notices[params.notice] : undefined;
  const callbackUrl = typeof params.callbackUrl === 'string' ? params.callbackUrl : undefined;
  // Only a prefill of the form (after accepting an invitation); whatever it says, the password decides.
  const defaultEmail = notice && typeof params.email === 'string' ? params.email.slice(0, 254) : undefined;
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Sign in to Sealpost</h1>
        <CardDescription>Administration portal for your organisation&apos;s secure email.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-5">
        {notice && <Alert variant="success">{notice}</Alert>}
        {refused && <SignInRefusal message={refused} path="/login" />}
        <LoginForm callbackUrl={callbackUrl} defaultEmail={defaultEmail} action={signInAction}
          methodAction={signInMethodAction}
          domainAction={startDomainSignInAction}
          resetHref="/reset-password" />
        <PasskeySignIn callbackUrl={callbackUrl} optionsAction={passkeySignInOptionsAction} action={passkeySignInAction} />
      </CardContent>
    </Card>
  );
}
