import Link from 'next/link';
import type { ReactNode } from 'react';
import { Button } from './button';
import type { KeysetPagerLinks } from '@/lib/keyset';
import { ChevronLeft, ChevronRight, ChevronsLeft } from './icons';

function PageLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Button asChild variant="outline" size="sm">
      <Link href={href}>{children}</Link>
    </Button>
  );
}

/**
 * "Newest", "Newer" and "Older" under a list paged by keyset, newest first (`lib/keyset.ts`).
 * `newer` and `older` are given only when there is such a page; "Newest" shows with "Newer", or on
 * an empty page past the end (`pastEnd`). Nothing is drawn when the list fits on one page.
 */
export function KeysetPager(props: KeysetPagerLinks & { label: string; className?: string }) {
  const { label, newer, older, className } = props;
  const newest = newer || props.pastEnd ? props.newest : null;
  if (!newest && !older) return null;
  return (
    <nav aria-label={label} className={`flex items-center justify-between gap-2 ${className ?? ''}`}>
      <span className="flex gap-2">
        {newest && (
          <PageLink href={newest}>
            <ChevronsLeft aria-hidden />
            Newest
          </PageLink>
        )}
        {newer && (
          <PageLink href={newer}>
            <ChevronLeft aria-hidden />
            Newer
          </PageLink>
        )}
      </span>
      {older && (
        <PageLink href={older}>
          Older
          <ChevronRight aria-hidden />
        </PageLink>
      )}
    </nav>
  );
}
