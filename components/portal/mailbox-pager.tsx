import Link from 'next/link';
import { ChevronLeft, ChevronRight, ChevronsLeft } from '@/components/ui/icons';
import { encodeMailboxCursor } from '@/lib/messaging/cursor';
import type { MailboxPage } from '@/lib/messaging/queries';

const linkClass = 'inline-flex items-center gap-1 rounded font-medium text-brand-600 hover:underline';

/** "Newest", "Newer" and "Older" under a mailbox list; nothing when the list fits on one page. */
export function MailboxPager({ path, page, paged }: { path: string; page: Pick<MailboxPage, 'older' | 'newer'>; /** This is not the newest page. */ paged: boolean }) {
  if (!paged && !page.older) return null;
  return (
    <nav aria-label="Pages" className="flex items-center justify-between gap-4 text-sm">
      <span className="flex gap-4">
        {paged && (
          <Link href={path} className={linkClass}>
            <ChevronsLeft aria-hidden className="size-4" />
            Newest
          </Link>
        )}
        {page.newer && (
          <Link href={`${path}?after=${encodeMailboxCursor(page.newer)}`} className={linkClass}>
            <ChevronLeft aria-hidden className="size-4" />
            Newer
          </Link>
        )}
      </span>
      {page.older && (
        <Link href={`${path}?before=${encodeMailboxCursor(page.older)}`} className={linkClass}>
          Older
          <ChevronRight aria-hidden className="size-4" />
        </Link>
      )}
    </nav>
  );
}
