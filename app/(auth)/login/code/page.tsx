import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import { SecondFactorForm } from '@/components/auth/code-form';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { secondFactorChallenge } from '@/lib/auth/second-factor-cookie';
import { verifySecondFactorAction } from '../../actions';

export const metadata: Metadata = { title: 'Enter your code · Sealpost' };

/** The second step of signing in, after a correct password (the challenge is in a cookie). */
export default async function SecondFactorPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const params = await searchParams;
  if (!(await secondFactorChallenge())) redirect('/login');
  const callbackUrl = typeof params.callbackUrl === 'string' ? params.callbackUrl : undefined;
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Two-factor authentication</h1>
        <CardDescription>Enter the code from your authenticator app to finish signing in.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <SecondFactorForm callbackUrl={callbackUrl} action={verifySecondFactorAction} />
        <Link href="/login" className="text-sm font-medium text-brand-600 hover:underline">
          Sign in as someone else
        </Link>
      </CardContent>
    </Card>
  );
}
