'use client';

import { zodResolver } from '@hookform/resolvers/zod';
import { Plus, Trash2 } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import { Tabs } from 'radix-ui';
import { cloneElement, useState, type ComponentProps, type ReactElement } from 'react';
import { useFieldArray, useForm } from 'react-hook-form';
import { addLicensedEmailsAction, buyLicensesForAddressesAction } from '@/app/(admin)/licensed-emails/actions';
import { applyActionError } from '@/components/forms/action-errors';
import { LiveAlert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { Input } from '@/components/ui/input';
import { toast } from '@/components/ui/toast';
import { useOpenOnFirstUse } from '@/components/ui/use-open-on-first-use';
import { manualEntriesSchema, type ManualEntries } from '@/lib/licensing/schemas';
import { CsvImport } from './csv-import';
import { DomainSelect, LOCAL_PART_CLASS } from './domain-select';
import { BuyLicensesPrompt, type Buying } from './buy-licenses-prompt';

type Shortfall = { missing: number; available: number; count: number };

export function AddLicensedEmailsDialog({ domains, buying, trigger }: { domains: string[]; buying: Buying; trigger: ReactElement<ComponentProps<'button'>> }) {
  const { open, setOpen, used, triggerProps, triggerRef, onCloseAutoFocus } = useOpenOnFirstUse('dialog');
  const [tab, setTab] = useState('manual');
  if (!used) return cloneElement(trigger, triggerProps);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>{cloneElement(trigger, { ref: triggerRef })}</DialogTrigger>
      <DialogContent
        className="max-w-2xl"
        onCloseAutoFocus={onCloseAutoFocus}
        // Straight into the first address (the usual case) rather than onto the Manual tab.
        onOpenAutoFocus={(event) => {
          const first = (event.currentTarget as HTMLElement | null)?.querySelector<HTMLInputElement>('#entry-0');
          if (!first) return;
          event.preventDefault();
          first.focus();
        }}
      >
        <DialogHeader>
          <DialogTitle>Add licensed email addresses</DialogTitle>
          <DialogDescription>Each address uses one license. Addresses must belong to your domains: {domains.join(', ')}.</DialogDescription>
        </DialogHeader>
        <Tabs.Root value={tab} onValueChange={setTab} className="grid gap-4">
          <Tabs.List aria-label="Upload method" className="inline-flex w-fit rounded-md border border-line bg-canvas p-1">
            {[
              ['manual', 'Manual'],
              ['csv', 'CSV'],
            ].map(([value, label]) => (
              <Tabs.Trigger
                key={value}
                value={value}
                className="cursor-pointer rounded px-4 py-1.5 text-sm font-medium text-muted data-[state=active]:bg-surface data-[state=active]:text-ink data-[state=active]:shadow-xs"
              >
                {label}
              </Tabs.Trigger>
            ))}
          </Tabs.List>
          {/* Radix makes each panel a Tab stop; these panels start with a field, which is the stop (Shift+Tab from it reaches the tabs). */}
          <Tabs.Content value="manual" tabIndex={-1}>
            <ManualForm domains={domains} buying={buying} onDone={() => setOpen(false)} />
          </Tabs.Content>
          <Tabs.Content value="csv" tabIndex={-1}>
            <CsvImport buying={buying} domains={domains} onDone={() => setOpen(false)} />
          </Tabs.Content>
        </Tabs.Root>
      </DialogContent>
    </Dialog>
  );
}

function ManualForm({ domains, buying, onDone }: { domains: string[]; buying: Buying; onDone: () => void }) {
  const router = useRouter();
  const [shortfall, setShortfall] = useState<Shortfall | null>(null);
  const blank = { local: '', domain: domains[0] ?? '' };
  const form = useForm<ManualEntries>({ resolver: zodResolver(manualEntriesSchema), defaultValues: { entries: [blank] } });
  const rows = useFieldArray({ control: form.control, name: 'entries' });
  const { errors, isSubmitting } = form.formState;

  const onSubmit = form.handleSubmit(async (values) => {
    setShortfall(null);
    const result = await addLicensedEmailsAction(values);
    if (!result.ok) {
      applyActionError(form, result.error);
      return;
    }
    if (result.data.status === 'needs_licenses') {
      setShortfall({ ...result.data, count: values.entries.length });
      return;
    }
    toast({ title: `${result.data.added} address${result.data.added === 1 ? '' : 'es'} added`, variant: 'success' });
    form.reset({ entries: [blank] });
    onDone();
    router.refresh();
  });

  const buy = async (quantity: number) => {
    const result = await buyLicensesForAddressesAction({ ...form.getValues(), quantity });
    // Success redirects to checkout.
    if (result && !result.ok) applyActionError(form, result.error);
  };

  return (
    <form onSubmit={onSubmit} noValidate className="grid gap-4">
      <LiveAlert show={errors.root?.server} variant="danger">{errors.root?.server?.message}</LiveAlert>
      <LiveAlert show={errors.entries?.root?.message} variant="danger">{errors.entries?.root?.message}</LiveAlert>
      <ol className="grid gap-2" aria-label="Addresses to add">
        {rows.fields.map((row, index) => {
          const error = errors.entries?.[index]?.local?.message ?? errors.entries?.[index]?.domain?.message;
          const id = `entry-${index}`;
          return (
            <li key={row.id} className="grid gap-1">
              <div className="flex flex-wrap items-center gap-2">
                <label htmlFor={id} className="sr-only">
                  Address {index + 1}, the part before the @
                </label>
                <Input
                  id={id}
                  className={LOCAL_PART_CLASS}
                  placeholder="first.last"
                  autoComplete="off"
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? `${id}-error` : undefined}
                  {...form.register(`entries.${index}.local`)}
                />
                <DomainSelect domains={domains} aria-label={`Address ${index + 1} domain`} {...form.register(`entries.${index}.domain`)} />
                <Button type="button" variant="ghost" size="icon" aria-label={`Remove address ${index + 1}`} disabled={rows.fields.length === 1} onClick={() => rows.remove(index)}>
                  <Trash2 aria-hidden />
                </Button>
              </div>
              {error && (
                <p id={`${id}-error`} className="text-sm font-medium text-danger-600">
                  {error}
                </p>
              )}
            </li>
          );
        })}
      </ol>
      {shortfall && (
        <BuyLicensesPrompt
          count={shortfall.count}
          missing={shortfall.missing}
          available={shortfall.available}
          buying={buying}
          onBuy={buy}
        />
      )}
      <div className="flex flex-wrap items-center justify-between gap-2">
        <Button type="button" variant="outline" onClick={() => rows.append(blank)} disabled={rows.fields.length >= 500}>
          <Plus aria-hidden /> Add
        </Button>
        <Button type="submit" loading={isSubmitting}>
          Save
        </Button>
      </div>
    </form>
  );
}

