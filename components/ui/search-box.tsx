'use client';

import { Search } from './icons';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useRef, useState, useTransition } from 'react';
import { Input } from '@/components/ui/input';
import { Spinner } from '@/components/ui/spinner';

/**
 * Search-as-you-type: updates the URL (so results can be shared) a moment after typing stops.
 * Focus stays in the field. With `resultCount` (the page's number of matches, `moreResults` when
 * there are more than that) the number is read out once the results are on the page, through a
 * live region rendered with the field from the start (a region inserted together with its text is
 * often not read). Its words ("12 results for “pat”") are its own, not a copy of the page's text.
 * Pages that show their count in a live region of their own (licensed-emails/page.tsx) leave it out.
 */
export function SearchBox({ label, placeholder, resultCount, moreResults = false }: { label: string; placeholder: string; resultCount?: number; moreResults?: boolean }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [value, setValue] = useState(params.get('q') ?? '');
  const [pending, startTransition] = useTransition();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const searched = useRef(false);
  const [said, setSaid] = useState('');

  useEffect(() => () => clearTimeout(timer.current), []);
  // The transition ends when the new page, and with it the new count, is committed.
  const q = params.get('q') ?? '';
  useEffect(() => {
    if (pending || !searched.current || resultCount === undefined) return;
    searched.current = false;
    const count = `${resultCount === 0 ? 'No' : resultCount.toLocaleString('en-US')}${moreResults ? '+' : ''} result${resultCount === 1 && !moreResults ? '' : 's'}`;
    setSaid(q ? `${count} for “${q}”` : `Search cleared: ${count.toLowerCase()}`);
  }, [pending, resultCount, moreResults, q]);

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
      searched.current = true;
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
      {resultCount !== undefined && (
        <p role="status" className="sr-only" data-testid="search-results-said">
          {said}
        </p>
      )}
    </div>
  );
}
