'use client';

import { Search } from './icons';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState, useTransition } from 'react';
import { Input } from '@/components/ui/input';
import { Spinner } from '@/components/ui/spinner';

/** Search-as-you-type: updates the URL (so results can be shared) a moment after typing stops. */
export function SearchBox({ label, placeholder }: { label: string; placeholder: string }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [value, setValue] = useState(params.get('q') ?? '');
  const [pending, startTransition] = useTransition();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => () => clearTimeout(timer.current), []);

  function onChange(next: string) {
    setValue(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      const search = new URLSearchParams(params.toString());
      if (next.trim()) search.set('q', next.trim());
      else search.delete('q');
      // A new search starts at its first page: drop any page position.
      search.delete('after');
      search.delete('before');
      startTransition(() => router.replace(`${pathname}?${search.toString()}`, { scroll: false }));
    }, 250);
  }

  return (
    <div className="relative w-full sm:max-w-sm">
      <Search aria-hidden className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-muted" />
      <Input type="search" aria-label={label} placeholder={placeholder} value={value} onChange={(e) => onChange(e.target.value)} className="pl-9" />
      {pending && (
        <span className="absolute top-1/2 right-3 -translate-y-1/2">
          <Spinner label="Searching" />
        </span>
      )}
    </div>
  );
}
