import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import Link from 'next/link';
import { connection } from 'next/server';
import { VerifyCodeForm } from '@/components/portal/verify-code-form';
import { Alert } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';

export const metadata: Metadata = { title: 'Secure messages · Enter your code · Sealpost' };

export default async function VerifyPage() {
  await connection();
  const raw = (await cookies()).get('sp_portal_2fa')?.value;
  let phoneHint: string | null = null;
  try {
    const value = raw ? (JSON.parse(raw) as { phoneHint?: unknown }) : null;
    phoneHint = typeof value?.phoneHint === 'string' ? value.phoneHint : null;
  } catch {
    phoneHint = null;
  }
  return (
    <Card>
      <CardHeader>
        <h1 className="text-2xl font-semibold tracking-tight">Enter your code</h1>
        <CardDescription>
          {phoneHint ? `We sent a 6-digit code by text message to ${phoneHint}. It expires in 10 minutes.` : 'Your organisation asks for a code sent by text message.'}
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {phoneHint ? (
          <VerifyCodeForm />
        ) : (
          <>
            <Alert variant="warning">Your sign-in has expired.</Alert>
            <Link href="/secure/login" className="text-sm font-medium text-brand-600 hover:underline">
              Sign in again
            </Link>
          </>
        )}
      </CardContent>
    </Card>
  );
}
