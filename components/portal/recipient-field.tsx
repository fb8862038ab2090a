'use client';

import { useEffect, useId, useImperativeHandle, useMemo, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { findContactsAction } from '@/app/secure/(portal)/actions';
import { CircleAlert, X } from '@/components/ui/icons';
import { cn } from '@/components/ui/cn';
import { badAddressMessage, isAddress, splitAddresses } from '@/lib/messaging/compose-input';

export type Contact = { email: string; name: string; uses: number };

/**
 * To or Cc: each address a chip (removable; a bad one marked and named under the field), typed
 * with suggestions from the people the user writes with (the server searches as they type).
 * Enter, comma, semicolon, space, Tab or leaving the field make a chip of what is typed; Backspace
 * in the empty box takes the last chip back to be corrected.
 */
export function RecipientField({
  id,
  label,
  value,
  onChange,
  contacts,
  error,
  hint,
  autoFocus,
  inputRef,
}: {
  id: string;
  label: string;
  value: string[];
  onChange: (next: string[]) => void;
  /** The user's correspondents, most used first (the first suggestions before the server answers). */
  contacts: Contact[];
  /** A server's word on this field (who may not be written to, …), shown under it. */
  error?: string;
  hint?: string;
  autoFocus?: boolean;
  /** Lets the form make a chip of what is still typed before Send. */
  inputRef?: RefObject<{ commit: () => string[] } | null>;
}) {
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [found, setFound] = useState<Contact[] | null>(null);
  const listId = useId();
  const input = useRef<HTMLInputElement>(null);
  const query = text.trim().toLowerCase();

  useEffect(() => {
    if (!query) return;
    let live = true;
    const timer = setTimeout(async () => {
      const result = await findContactsAction({ search: query });
      if (live && result.ok) setFound(result.data as Contact[]);
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query]);

  const suggestions = useMemo(() => {
    const matches = (c: Contact) => !query || c.email.includes(query) || c.name.toLowerCase().includes(query);
    const all = [...contacts.filter(matches), ...(query ? (found ?? []).filter(matches) : [])];
    const seen = new Set(value);
    const out: Contact[] = [];
    for (const c of all) {
      if (seen.has(c.email)) continue;
      seen.add(c.email);
      out.push(c);
      if (out.length === 8) break;
    }
    return out;
  }, [contacts, found, query, value]);

  function add(addresses: string[]) {
    const next = [...value];
    for (const a of addresses) if (!next.includes(a)) next.push(a);
    if (next.length !== value.length) onChange(next);
    return next;
  }

  function commit(): string[] {
    const typed = splitAddresses(text);
    setText('');
    setActive(-1);
    return typed.length > 0 ? add(typed) : value;
  }

  useImperativeHandle(inputRef, () => ({ commit }));

  function choose(contact: Contact) {
    add([contact.email]);
    setText('');
    setActive(-1);
    setOpen(false);
    input.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    const listed = open && suggestions.length > 0;
    if (e.key === 'ArrowDown' && suggestions.length > 0) {
      e.preventDefault();
      setOpen(true);
      setActive((i) => (i + 1) % suggestions.length);
    } else if (e.key === 'ArrowUp' && listed) {
      e.preventDefault();
      setActive((i) => (i <= 0 ? suggestions.length - 1 : i - 1));
    } else if (e.key === 'Enter') {
      if (listed && active >= 0) {
        e.preventDefault();
        choose(suggestions[active]);
      } else if (text.trim()) {
        e.preventDefault();
        commit();
      }
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      setOpen(false);
      setActive(-1);
    } else if (e.key === 'Backspace' && text === '' && value.length > 0) {
      // The last chip comes back as text, to be corrected.
      e.preventDefault();
      const last = value[value.length - 1];
      onChange(value.slice(0, -1));
      setText(last);
    }
  }

  const badMessage = badAddressMessage(value);
  const shownError = badMessage ?? error;
  const describedBy = [hint ? `${id}-hint` : null, shownError ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  const expanded = open && query !== '' && suggestions.length > 0;

  return (
    <div className="grid gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-ink">
        {label}
      </label>
      <div
        className={cn(
          'relative flex min-h-10 flex-wrap items-center gap-1.5 rounded-md border bg-surface px-2 py-1.5 focus-within:ring-2 focus-within:ring-brand-600 focus-within:ring-offset-1',
          shownError ? 'border-danger-600' : 'border-line',
        )}
        onClick={() => input.current?.focus()}
      >
        {value.length > 0 && (
          <ul aria-label={`${label} recipients`} className="flex max-w-full flex-wrap gap-1.5">
            {value.map((address) => {
              const ok = isAddress(address);
              return (
                <li
                  key={address}
                  className={cn(
                    'inline-flex max-w-full items-center gap-1 rounded-full border py-0.5 pr-1 pl-2.5 text-sm',
                    ok ? 'border-line bg-canvas text-ink' : 'border-danger-600 bg-danger-50 text-danger-700',
                  )}
                >
                  {!ok && <CircleAlert aria-hidden className="size-3.5 shrink-0" />}
                  <span className="min-w-0 truncate">{address}</span>
                  {!ok && <span className="sr-only"> (not a valid email address)</span>}
                  <button
                    type="button"
                    aria-label={`Remove ${address}`}
                    className="inline-flex size-5 cursor-pointer items-center justify-center rounded-full text-muted hover:bg-line hover:text-ink focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:outline-none"
                    onClick={(e) => {
                      e.stopPropagation();
                      onChange(value.filter((v) => v !== address));
                      input.current?.focus();
                    }}
                  >
                    <X aria-hidden className="size-3.5" />
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        <input
          ref={input}
          id={id}
          type="text"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={listId}
          aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
          aria-invalid={shownError ? true : undefined}
          aria-describedby={describedBy}
          autoFocus={autoFocus}
          autoComplete="off"
          spellCheck={false}
          inputMode="email"
          className="min-w-[8rem] flex-1 bg-transparent px-1 py-0.5 text-sm outline-none"
          value={text}
          onChange={(e) => {
            const raw = e.target.value;
            // A separator typed or pasted makes chips of what stands before it.
            const at = Math.max(raw.lastIndexOf(','), raw.lastIndexOf(';'), raw.lastIndexOf(' '), raw.lastIndexOf('\n'));
            if (at >= 0) {
              add(splitAddresses(raw.slice(0, at)));
              setText(raw.slice(at + 1));
            } else {
              setText(raw);
            }
            setOpen(true);
            setActive(-1);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => {
            commit();
            setOpen(false);
          }}
        />
        <ul
          id={listId}
          role="listbox"
          aria-label={`Suggestions for ${label}`}
          hidden={!expanded}
          className="absolute top-full right-0 left-0 z-20 mt-1 grid max-h-72 overflow-auto rounded-md border border-line bg-surface py-1 shadow-lg"
        >
          {suggestions.map((c, i) => (
            <li
              key={c.email}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              // Chosen before the input's blur would make a chip of the typed text.
              onMouseDown={(e) => {
                e.preventDefault();
                choose(c);
              }}
              className={cn('flex cursor-pointer flex-col px-3 py-1.5 text-sm', i === active ? 'bg-brand-50 text-brand-700' : 'hover:bg-canvas')}
            >
              <span className="truncate font-medium">{c.name || c.email}</span>
              {c.name && <span className="truncate text-xs text-muted">{c.email}</span>}
            </li>
          ))}
        </ul>
      </div>
      {hint && (
        <p id={`${id}-hint`} className="text-sm text-muted">
          {hint}
        </p>
      )}
      {shownError && (
        <p id={`${id}-error`} className="flex items-start gap-1.5 text-sm font-medium text-danger-600">
          <CircleAlert aria-hidden className="mt-0.5 size-4 shrink-0" />
          <span>{shownError}</span>
        </p>
      )}
    </div>
  );
}
