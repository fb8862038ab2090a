'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { requestPolicyChangeAction } from '@/app/(admin)/policies/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { FormField, fieldA11y } from '@/components/ui/form-field';
import { Send } from '@/components/ui/icons';
import { Select } from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';
import { toast } from '@/components/ui/toast';
import { NEW_POLICY, POLICY_CHANGE_DETAILS_MAX, policyChangeRequestSchema, type PolicyChangeRequestInput } from '@/lib/policies/schemas';

const DETAILS_HINT = 'What should Sealpost change, and why? For example: "Expire secure messages after 14 days instead of 30."';

/**
 * "Request a change" (levels 1–2): policies are configured by the Sealpost operators, so the
 * request is emailed to them and listed on this page with its state.
 */
export function RequestPolicyChangeButton({ policies }: { policies: { id: string; name: string }[] }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const defaults: PolicyChangeRequestInput = { policyId: '', details: '' };
  const form = useForm<PolicyChangeRequestInput>({ resolver: zodResolver(policyChangeRequestSchema), defaultValues: defaults });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    const result = await requestPolicyChangeAction(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    toast({ title: 'Request sent to Sealpost', description: 'The operators have it by email; its state shows under “Your change requests”.', variant: 'success' });
    setOpen(false);
    form.reset(defaults);
    router.refresh();
  });

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) form.reset(defaults);
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <Send aria-hidden />
          Request a change
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Request a policy change</DialogTitle>
          <DialogDescription>Sealpost operators configure your policies. Your request goes to them by email, and you can follow its state on this page.</DialogDescription>
        </DialogHeader>
        <form onSubmit={onSubmit} noValidate className="grid gap-4">
          <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
          <FormField id="change-policy" label="Policy" error={errors.policyId?.message}>
            <Select {...fieldA11y('change-policy', { error: errors.policyId?.message })} {...form.register('policyId')}>
              <option value="">{NEW_POLICY}</option>
              {policies.map((policy) => (
                <option key={policy.id} value={policy.id}>
                  {policy.name}
                </option>
              ))}
            </Select>
          </FormField>
          <FormField id="change-details" label="What should change?" hint={DETAILS_HINT} error={errors.details?.message}>
            <Textarea
              rows={5}
              maxLength={POLICY_CHANGE_DETAILS_MAX}
              {...fieldA11y('change-details', { hint: DETAILS_HINT, error: errors.details?.message })}
              {...form.register('details')}
            />
          </FormField>
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" loading={isSubmitting}>
              Send request
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
