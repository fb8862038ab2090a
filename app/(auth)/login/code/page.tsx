import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { SecondFactorForm } from '@/components/auth/code-form';
import { SecondFactorPasskey } from '@/components/auth/passkeys';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { secondFactorChallenge } from '@/lib/auth/second-factor-cookie';
import { secondStepFactors } from '@/lib/auth/two-factor';
import { secondFactorPasskeyOptionsAction, verifySecondFactorAction, verifySecondFactorPasskeyAction } from '../../actions';

export const metadata: Metadata = { title: 'Enter your code · Sealpost' };

/**
 * The second step of signing in, after a correct password (the challenge is in a cookie): a code
 * from the authenticator app, a passkey or security key, or a recovery code — what this
 * administrator has.
 */
export default async function SecondFactorPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const params = await searchParams;
  const challenge = await secondFactorChallenge();
  const factors = challenge ? await secondStepFactors(challenge) : null;
  if (!factors) redirect('/login');
  const callbackUrl = typeof params.callbackUrl === 'string' ? params.callbackUrl : undefined;
  const description = factors.passkeys
    ? factors.totp
      ? 'Use your passkey or security key, or enter the code from your authenticator app, to finish signing in.'
      : 'Use your passkey or security key to finish signing in.'
    : 'Enter the code from your authenticator app to finish signing in.';
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Two-factor authentication</h1>
        <CardDescription>{description}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-5">
        {factors.passkeys && <SecondFactorPasskey callbackUrl={callbackUrl} optionsAction={secondFactorPasskeyOptionsAction} action={verifySecondFactorPasskeyAction} />}
        {factors.passkeys && (
          <div className="flex items-center gap-3 text-xs text-muted" aria-hidden>
            <span className="h-px flex-1 bg-line" />
            or
            <span className="h-px flex-1 bg-line" />
          </div>
        )}
        <SecondFactorForm callbackUrl={callbackUrl} action={verifySecondFactorAction} totp={factors.totp} />
        <Link href="/login" className="text-sm font-medium text-brand-600 hover:underline">
          Sign in as someone else
        </Link>
      </CardContent>
    </Card>
  );
}
