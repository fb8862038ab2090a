'use client';

import { MessageSquareText } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { sendSmsCodeAction, verifySmsCodeAction } from '@/app/secure/(portal)/actions';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';

/**
 * An organisation's SMS step, shown instead of one of its messages: send a code to the
 * organisation's number for this recipient, enter it, and the page shows the message. Passing it
 * opens that organisation's messages for this session, and no other organisation's.
 */
export function SmsStep({ orgId, orgName, phoneHint, codeSent, codeFailed }: { orgId: string; orgName: string; phoneHint: string; codeSent: boolean; codeFailed: boolean }) {
  const router = useRouter();
  const [sent, setSent] = useState(codeSent);
  // The text carrying the waiting code was refused by the SMS provider (e.g. the number is not valid): say so until a new one is asked for.
  const [failed, setFailed] = useState(codeFailed);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function send(again: boolean) {
    setPending(true);
    setError(null);
    setNotice(null);
    const result = await sendSmsCodeAction({ orgId });
    setPending(false);
    if (!result.ok) return setError(result.error.message);
    setSent(true);
    setFailed(false);
    setNotice(again ? 'A new code is on its way. The previous one no longer works.' : null);
  }

  return (
    <Card className="max-w-xl">
      <CardHeader>
        <h1 className="flex items-center gap-2 text-xl font-semibold">
          <MessageSquareText aria-hidden className="size-5 text-brand-600" /> Enter your code to open this message
        </h1>
        <CardDescription>
          {orgName} asks for a code sent by text message to {phoneHint} before its secure messages open. The code opens the messages of {orgName}{' '}
          only, until you sign out.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {!sent ? (
          <>
            <LiveAlert show={error} variant="danger">{error}</LiveAlert>
            <Button size="lg" loading={pending} onClick={() => send(false)}>
              Text me a code
            </Button>
          </>
        ) : (
          <form
            noValidate
            className="grid gap-4"
            onSubmit={async (e) => {
              e.preventDefault();
              setPending(true);
              setNotice(null);
              const result = await verifySmsCodeAction({ orgId, code });
              setPending(false);
              if (!result.ok) return setError(result.error.fieldErrors?.code?.[0] ?? result.error.message);
              router.refresh();
            }}
          >
            {failed ? (
              <Alert variant="danger" title="The text message could not be sent">
                The code could not be texted to {phoneHint}. Ask {orgName} to check the phone number it has for you, then send a new code.
              </Alert>
            ) : (
              <p className="text-sm text-muted">We sent a 6-digit code by text message to {phoneHint}. It expires in 10 minutes.</p>
            )}
            <LiveAlert show={notice} variant="success">{notice}</LiveAlert>
            <FormField id="code" label="Code" error={error ?? undefined}>
              <Input
                {...fieldA11y('code', { error: error ?? undefined })}
                value={code}
                onChange={(e) => setCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
                inputMode="numeric"
                autoComplete="one-time-code"
                autoFocus
                className="text-lg tracking-[0.4em]"
              />
            </FormField>
            <Button type="submit" size="lg" loading={pending}>
              Verify
            </Button>
            <button type="button" className="w-fit cursor-pointer text-sm font-medium text-brand-600 hover:underline" onClick={() => send(true)}>
              Send a new code
            </button>
          </form>
        )}
      </CardContent>
    </Card>
  );
}
