'use client';

import { CalendarPlus, Undo2 } from '@/components/ui/icons';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { ConfirmDialog } from '@/components/ui/confirm-dialog';
import { Select } from '@/components/ui/select';
import { toast } from '@/components/ui/toast';
import { extendMessageAction, recallMessageAction } from '@/app/(admin)/secure-messages/actions';

// The same choices as the use case's EXTENSION_DAYS; not imported, since that module reads the database.
const DAY_CHOICES = [1, 7, 30] as const;

export type MessageActionsProps = {
  messageId: string;
  subject: string;
  /** Null when the message can be recalled; otherwise why not. */
  recallBlocked: string | null;
  /** Null when its expiry can be extended; otherwise why not (empty: already said by `recallBlocked`). */
  extendBlocked: string | null;
};

/** Recall (with a confirmation) and Extend expiry, for level 1–2 administrators only. */
export function MessageActions({ messageId, subject, recallBlocked, extendBlocked }: MessageActionsProps) {
  const router = useRouter();
  const [days, setDays] = useState<(typeof DAY_CHOICES)[number]>(7);
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);

  async function extend() {
    setPending(true);
    setFailed(null);
    try {
      const result = await extendMessageAction({ messageId, days });
      if (!result.ok) {
        setFailed(result.error.message);
        return;
      }
      toast({ title: `Expiry extended by ${days === 1 ? '1 day' : `${days} days`}`, variant: 'success' });
      router.refresh();
    } catch {
      setFailed('Something went wrong. Please try again.');
    } finally {
      setPending(false);
    }
  }

  return (
    <section aria-labelledby="message-actions-heading" className="grid gap-4 border-t border-line pt-4">
      <h3 id="message-actions-heading" className="text-sm font-semibold text-ink">
        Actions
      </h3>
      <div className="grid gap-2">
        {recallBlocked ? (
          <p className="text-sm text-muted">{recallBlocked}</p>
        ) : (
          <ConfirmDialog
            trigger={
              <Button variant="danger" className="justify-self-start">
                <Undo2 aria-hidden />
                Recall
              </Button>
            }
            title={`Recall "${subject}"?`}
            description="Its recipients can no longer open it. This cannot be undone."
            confirmLabel="Recall message"
            destructive
            onConfirm={async () => {
              const result = await recallMessageAction({ messageId });
              if (!result.ok) throw new Error(result.error.message);
              toast({ title: 'Message recalled', variant: 'success' });
              router.refresh();
            }}
          />
        )}
      </div>
      {extendBlocked !== null ? (
        extendBlocked && <p className="text-sm text-muted">{extendBlocked}</p>
      ) : (
        <div className="grid gap-1.5">
          <div className="flex items-end gap-2">
            <div className="grid flex-1 gap-1.5">
              <label htmlFor="extend-days" className="text-sm font-medium leading-none text-ink">
                Extend expiry by
              </label>
              <Select
                id="extend-days"
                value={String(days)}
                aria-describedby="extend-error"
                onChange={(event) => {
                  const chosen = DAY_CHOICES.find((d) => String(d) === event.target.value);
                  if (chosen) setDays(chosen);
                }}
              >
                {DAY_CHOICES.map((d) => (
                  <option key={d} value={d}>
                    {d === 1 ? '1 day' : `${d} days`}
                  </option>
                ))}
              </Select>
            </div>
            <Button variant="outline" loading={pending} onClick={extend}>
              <CalendarPlus aria-hidden />
              Extend
            </Button>
          </div>
          {/* Always mounted so screen readers pick up the message when it appears. */}
          <p id="extend-error" aria-live="polite" className="text-sm font-medium text-danger-600 empty:hidden">
            {failed}
          </p>
        </div>
      )}
    </section>
  );
}
