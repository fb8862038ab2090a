'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { useRouter } from 'next/navigation';
import { useForm } from 'react-hook-form';
import { requestPolicyChangeAction } from '@/app/(admin)/policies/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { FormDialog } from '@/components/forms/form-dialog';
import { Button } from '@/components/ui/button';
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
  const defaults: PolicyChangeRequestInput = { policyId: '', details: '' };
  const form = useForm<PolicyChangeRequestInput>({ resolver: zodResolver(policyChangeRequestSchema), defaultValues: defaults });
  const { errors } = form.formState;

  return (
    <FormDialog
      form={form}
      defaults={defaults}
      trigger={
        <Button>
          <Send aria-hidden />
          Request a change
        </Button>
      }
      title="Request a policy change"
      description="Sealpost operators configure your policies. Your request goes to them by email, and you can follow its state on this page."
      submitLabel="Send request"
      submit={async (values) => {
        const result = await requestPolicyChangeAction(values);
        if (!result.ok) {
          applyActionError(form, result.error);
          return false;
        }
        toast({ title: 'Request sent to Sealpost', description: 'The operators have it by email; its state shows under “Your change requests”.', variant: 'success' });
        router.refresh();
        return true;
      }}
    >
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
    </FormDialog>
  );
}
