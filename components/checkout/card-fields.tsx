'use client';

import { useMemo, type ChangeEvent, type ComponentProps } from 'react';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { caretAfterFormatting, formatCardNumber, formatExpiry } from '@/lib/billing/card-format';
import { countryOptions } from '@/lib/countries';

/**
 * Rewrites the field's value as it is typed (before react-hook-form reads it), keeping the caret
 * after the same digit it was after.
 */
function formatInPlace(event: ChangeEvent<HTMLInputElement>, format: (value: string, deleting: boolean) => string) {
  const input = event.target;
  const typed = input.value;
  const caret = input.selectionStart ?? typed.length;
  const deleting = ((event.nativeEvent as InputEvent).inputType ?? '').startsWith('delete');
  const formatted = format(typed, deleting);
  if (formatted === typed) return;
  input.value = formatted;
  const at = caretAfterFormatting(typed, caret, formatted);
  if (document.activeElement === input) input.setSelectionRange(at, at);
}

type InputProps = ComponentProps<typeof Input>;

/** The card number, in groups of four as it is typed. */
export function CardNumberInput({ onChange, ...props }: InputProps) {
  return (
    <Input
      inputMode="numeric"
      autoComplete="cc-number"
      placeholder="1234 1234 1234 1234"
      maxLength={23}
      {...props}
      onChange={(event) => {
        formatInPlace(event, (value) => formatCardNumber(value));
        onChange?.(event);
      }}
    />
  );
}

/** The expiry as MM/YY, the slash added after the month. */
export function ExpiryInput({ onChange, ...props }: InputProps) {
  return (
    <Input
      inputMode="numeric"
      autoComplete="cc-exp"
      placeholder="MM/YY"
      maxLength={5}
      {...props}
      onChange={(event) => {
        formatInPlace(event, formatExpiry);
        onChange?.(event);
      }}
    />
  );
}

/** The security code: digits only, at most four. */
export function CvcInput({ onChange, ...props }: InputProps) {
  return (
    <Input
      inputMode="numeric"
      autoComplete="cc-csc"
      placeholder="CVC"
      maxLength={4}
      {...props}
      onChange={(event) => {
        formatInPlace(event, (value) => value.replace(/\D/g, '').slice(0, 4));
        onChange?.(event);
      }}
    />
  );
}

/** Every country by name (ISO 3166 codes as values). */
export function CountrySelect(props: ComponentProps<typeof Select>) {
  const options = useMemo(() => countryOptions(), []);
  return (
    <Select autoComplete="country" {...props}>
      <option value="">Choose a country…</option>
      {options.map((c) => (
        <option key={c.code} value={c.code}>
          {c.name}
        </option>
      ))}
    </Select>
  );
}
