import Link from 'next/link';
import { Button } from './button';
import { ChevronLeft, ChevronRight, ChevronsLeft } from './icons';

/**
 * "Newest", "Newer" and "Older" under a list paged by keyset, newest first (`lib/keyset.ts`).
 * `newer` and `older` are given only when there is such a page; "Newest" shows with "Newer", or on
 * an empty page past the end (`pastEnd`). Nothing is drawn when the list fits on one page.
 */
export function KeysetPager(props: { label: string; newest: string; newer?: string | null; older?: string | null; pastEnd?: boolean; className?: string }) {
  const { label, newer, older, className } = props;
  const newest = newer || props.pastEnd ? props.newest : null;
  if (!newest && !older) return null;
  return (
    <nav aria-label={label} className={`flex items-center justify-between gap-2 ${className ?? ''}`}>
      <span className="flex gap-2">
        {newest && (
          <Button asChild variant="outline" size="sm">
            <Link href={newest}>
              <ChevronsLeft aria-hidden />
              Newest
            </Link>
          </Button>
        )}
        {newer && (
          <Button asChild variant="outline" size="sm">
            <Link href={newer}>
              <ChevronLeft aria-hidden />
              Newer
            </Link>
          </Button>
        )}
      </span>
      {older && (
        <Button asChild variant="outline" size="sm">
          <Link href={older}>
            Older
            <ChevronRight aria-hidden />
          </Link>
        </Button>
      )}
    </nav>
  );
}
