'use client';

import { useRouter } from 'next/navigation';
import { useForm } from 'react-hook-form';
import { removeInboundRouteAction, saveInboundRouteAction } from '@/app/(admin)/settings/mail-flow/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { toast } from '@/components/ui/toast';
import { withStepUp } from '@/components/auth/step-up';

type Values = { host: string; port: string; tls: 'verified' | 'opportunistic' };

const HOST_HINT = 'Your organisation’s own mail server (e.g. Exchange or Postfix) that holds your users’ mailboxes.';
const TLS_HINT = 'With “verified”, a copy waits and is retried rather than ever going in plain text.';

/**
 * The inbound route: where replies from the portal come home by SMTP. Saving sets or changes it;
 * "Remove inbound route" (with a confirmation) leaves replies in the portal only.
 */
export function InboundRouteForm({ route }: { route: { host: string; port: number; tls: 'verified' | 'opportunistic' } | null }) {
  const router = useRouter();
  const defaults: Values = { host: route?.host ?? '', port: String(route?.port ?? 25), tls: route?.tls ?? 'verified' };
  const form = useForm<Values>({ defaultValues: defaults });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await withStepUp(saveInboundRouteAction)(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    toast({ title: 'Inbound route saved', description: `Replies from the portal are delivered to ${result.data.host}:${result.data.port}.`, variant: 'success' });
    form.reset({ host: result.data.host, port: String(result.data.port), tls: result.data.tls });
    router.refresh();
  });

  return (
    <div className="grid gap-4">
      <form onSubmit={onSubmit} noValidate className="grid gap-4 md:grid-cols-[minmax(0,2fr)_minmax(0,7rem)_minmax(0,2fr)_auto] md:items-start">
        {errors.root?.server && (
          <Alert variant="danger" className="md:col-span-4">
            {errors.root.server.message}
          </Alert>
        )}
        <FormField id="inbound-host" label="Host" hint={HOST_HINT} error={errors.host?.message}>
          <Input autoComplete="off" spellCheck={false} placeholder="mail.example.com" {...fieldA11y('inbound-host', { hint: HOST_HINT, error: errors.host?.message })} {...form.register('host')} />
        </FormField>
        <FormField id="inbound-port" label="Port" error={errors.port?.message}>
          <Input type="number" min={1} max={65535} inputMode="numeric" {...fieldA11y('inbound-port', { error: errors.port?.message })} {...form.register('port')} />
        </FormField>
        <FormField id="inbound-tls" label="TLS" hint={TLS_HINT} error={errors.tls?.message}>
          <Select {...fieldA11y('inbound-tls', { hint: TLS_HINT, error: errors.tls?.message })} {...form.register('tls')}>
            <option value="verified">Require TLS with a verified certificate</option>
            <option value="opportunistic">Use TLS when the server offers it</option>
          </Select>
        </FormField>
        <Button type="submit" className="md:mt-6" loading={isSubmitting}>
          Save inbound route
        </Button>
      </form>
      {route && (
        <div>
          <ConfirmDialog
            trigger={
              <Button variant="danger-ghost" size="sm">
                Remove inbound route
              </Button>
            }
            title="Remove the inbound route?"
            description="Replies from external recipients then stay in the portal only: they are no longer delivered to your users’ mailboxes. Copies already queued are not delivered."
            confirmLabel="Remove"
            destructive
            onConfirm={async () => {
              const result = await withStepUp(removeInboundRouteAction)({});
              if (!result.ok) throw new Error(result.error.message);
              toast({ title: 'Inbound route removed', description: 'Replies stay in the portal only.', variant: 'success' });
              form.reset({ host: '', port: '25', tls: 'verified' });
              router.refresh();
            }}
          />
        </div>
      )}
    </div>
  );
}
