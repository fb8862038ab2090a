import type { FieldValues, Path, UseFormReturn } from 'react-hook-form';
import type { ActionError } from '@/lib/actions/result';

/** Puts a server action's field errors on their fields and its message on the form's root. */
export function applyActionError<T extends FieldValues>(form: UseFormReturn<T>, error: ActionError) {
  const fields = Object.keys(form.getValues());
  const placed: string[] = [];
  for (const [key, messages] of Object.entries(error.fieldErrors ?? {})) {
    // Nested paths ("entries.1.local") belong to a field array registered under their first segment.
    if (fields.includes(key.split('.')[0]) && messages[0]) {
      form.setError(key as Path<T>, { type: 'server', message: messages[0] }, { shouldFocus: placed.length === 0 });
      placed.push(messages[0]);
    }
  }
  // The message goes on top too, unless a field already says exactly that.
  if (placed.length === 0 || (error.code !== 'invalid_input' && !placed.includes(error.message))) form.setError('root.server', { type: 'server', message: error.message });
}
