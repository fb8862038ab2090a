'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { CircleCheck } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { removeIdentityProviderAction, saveIdentityProviderAction, testIdentityProviderAction } from '@/app/(admin)/settings/identity-provider/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert, LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Checkbox } from '@/components/ui/checkbox';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { toast } from '@/components/ui/toast';
import type { IdentityProviderView } from '@/lib/domain-sign-in/queries';
import { identityProviderSchema, type IdentityProviderInput } from '@/lib/domain-sign-in/schemas';
import type { ConnectionReport } from '@/lib/domain-sign-in/test-identity-provider';
import { withStepUp } from '@/components/auth/step-up';

/** The identity provider's settings, "Test connection" (discovery) and turning Domain sign-in off. */
export function IdentityProviderForm({ provider, domains }: { provider: IdentityProviderView | null; domains: string[] }) {
  const router = useRouter();
  const [report, setReport] = useState<ConnectionReport | null>(null);
  const [testError, setTestError] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  const form = useForm<IdentityProviderInput>({
    resolver: zodResolver(identityProviderSchema),
    defaultValues: {
      issuer: provider?.issuer ?? '',
      clientId: provider?.clientId ?? '',
      clientSecret: '',
      domains: provider?.domains ?? domains,
      requiredForAdministrators: provider?.requiredForAdministrators ?? false,
      requiredForInternalUsers: provider?.requiredForInternalUsers ?? false,
    },
  });
  const { errors, isSubmitting } = form.formState;

  const save = form.handleSubmit(async (values) => {
    const result = await withStepUp(saveIdentityProviderAction)(values);
    if (!result.ok) return applyActionError(form, result.error);
    form.resetField('clientSecret', { defaultValue: '' });
    toast({ title: provider ? 'Domain sign-in settings saved' : 'Domain sign-in is on', variant: 'success' });
    router.refresh();
  });

  const test = async () => {
    setTesting(true);
    setReport(null);
    setTestError(null);
    const { issuer, clientId, clientSecret } = form.getValues();
    const result = await testIdentityProviderAction({ issuer, clientId, clientSecret });
    setTesting(false);
    if (result.ok) setReport(result.data);
    else setTestError(result.error.fieldErrors ? Object.values(result.error.fieldErrors).flat()[0] ?? result.error.message : result.error.message);
  };

  const secretHint = provider
    ? 'A secret is stored. Leave this empty to keep it; a new issuer URL needs the secret that issuer gave you.'
    : 'From your identity provider’s client settings.';
  return (
    <form onSubmit={save} noValidate className="grid max-w-2xl gap-5">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <FormField id="issuer" label="Issuer URL" hint="The provider's issuer, where /.well-known/openid-configuration is found." error={errors.issuer?.message}>
        <Input
          type="url"
          inputMode="url"
          placeholder="https://login.example.com/realms/acme"
          autoComplete="off"
          {...fieldA11y('issuer', { hint: true, error: errors.issuer?.message })}
          {...form.register('issuer')}
        />
      </FormField>
      <FormField id="clientId" label="Client ID" error={errors.clientId?.message}>
        <Input autoComplete="off" {...fieldA11y('clientId', { error: errors.clientId?.message })} {...form.register('clientId')} />
      </FormField>
      <FormField id="clientSecret" label="Client secret" hint={secretHint} error={errors.clientSecret?.message}>
        <Input
          type="password"
          autoComplete="new-password"
          placeholder={provider ? '••••••••  (stored)' : undefined}
          {...fieldA11y('clientSecret', { hint: true, error: errors.clientSecret?.message })}
          {...form.register('clientSecret')}
        />
      </FormField>

      <fieldset className="grid gap-2" aria-describedby={errors.domains ? 'domains-error' : undefined}>
        <legend className="mb-1 text-sm font-medium">Email domains</legend>
        <p className="text-sm text-muted">People whose address is in a chosen domain can sign in through this provider.</p>
        {domains.map((domain) => (
          <div key={domain} className="flex items-center gap-2">
            <Checkbox id={`domain-${domain}`} value={domain} {...form.register('domains')} />
            <Label htmlFor={`domain-${domain}`} className="font-normal">
              {domain}
            </Label>
          </div>
        ))}
        {errors.domains && (
          <p id="domains-error" className="text-sm font-medium text-danger-600">
            {errors.domains.message ?? errors.domains.root?.message}
          </p>
        )}
      </fieldset>

      <fieldset className="grid gap-2">
        <legend className="mb-1 text-sm font-medium">Require Domain sign-in</legend>
        <p className="text-sm text-muted">Required: no password sign-in for these people; otherwise they choose Cloud (password) or Domain.</p>
        <div className="flex items-center gap-2">
          <Checkbox id="requiredForAdministrators" {...form.register('requiredForAdministrators')} />
          <Label htmlFor="requiredForAdministrators" className="font-normal">
            Administrators
          </Label>
        </div>
        <div className="flex items-center gap-2">
          <Checkbox id="requiredForInternalUsers" {...form.register('requiredForInternalUsers')} />
          <Label htmlFor="requiredForInternalUsers" className="font-normal">
            Internal users (secure-message portal)
          </Label>
        </div>
      </fieldset>

      {testError && (
        <Alert variant="danger" title="Test connection failed">
          {testError}
        </Alert>
      )}
      {report && (
        <Alert variant="success" title="The provider answered">
          <dl className="mt-2 grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1 text-sm [overflow-wrap:anywhere]">
            <dt className="font-medium">Issuer</dt>
            <dd>{report.issuer}</dd>
            <dt className="font-medium">Authorization endpoint</dt>
            <dd>{report.authorizationEndpoint}</dd>
            <dt className="font-medium">Token endpoint</dt>
            <dd>{report.tokenEndpoint}</dd>
            <dt className="font-medium">Signing keys</dt>
            <dd>{report.jwksUri || 'not published'}</dd>
            <dt className="font-medium">PKCE (S256)</dt>
            <dd>{report.pkceS256 ? 'supported' : 'not advertised'}</dd>
            <dt className="font-medium">Scopes</dt>
            <dd>{report.scopes.length > 0 ? report.scopes.join(', ') : 'not advertised'}</dd>
          </dl>
        </Alert>
      )}

      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" loading={isSubmitting}>
          Save
        </Button>
        <Button type="button" variant="outline" onClick={() => void test()} loading={testing}>
          {!testing && <CircleCheck aria-hidden />}
          Test connection
        </Button>
        {provider && (
          <ConfirmDialog
            trigger={
              <Button type="button" variant="danger-ghost" className="ml-auto">
                Turn off Domain sign-in
              </Button>
            }
            title="Turn off Domain sign-in?"
            description="Everyone signs in with their Sealpost password again. People who never set one use Reset password. The provider settings are deleted."
            confirmLabel="Turn off"
            destructive
            onConfirm={async () => {
              const result = await withStepUp(removeIdentityProviderAction)({});
              if (!result.ok) throw new Error(result.error.message);
              toast({ title: 'Domain sign-in is off', variant: 'success' });
              router.refresh();
            }}
          />
        )}
      </div>
    </form>
  );
}
