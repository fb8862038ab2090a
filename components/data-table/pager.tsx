import Link from 'next/link';
import type { ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { ChevronLeft, ChevronRight, ChevronsLeft } from '@/components/ui/icons';

export type PagerLinks = { first?: string | null; previous?: string | null; next?: string | null };

function PageLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Button asChild variant="outline" size="sm">
      <Link href={href}>{children}</Link>
    </Button>
  );
}

/**
 * The one pager under every list: "First page", "Previous" and "Next" (keyset pages in both
 * directions, lib/lists/page.ts) and where this page is, "1–50 of 9,720" (lib/lists/count.ts).
 * "First page" shows from the third page on (on the second, "Previous" is the first page).
 */
export function Pager({ label = 'Pages', range, links, className }: { label?: string; range?: string; links: PagerLinks; className?: string }) {
  const { first, previous, next } = links;
  if (!previous && !next && !range) return null;
  return (
    <nav aria-label={label} className={`flex flex-wrap items-center justify-between gap-2 border-t border-line p-4 text-sm ${className ?? ''}`}>
      <span className="flex gap-2">
        {first && first !== previous && (
          <PageLink href={first}>
            <ChevronsLeft aria-hidden />
            First page
          </PageLink>
        )}
        {previous && (
          <PageLink href={previous}>
            <ChevronLeft aria-hidden />
            Previous
          </PageLink>
        )}
      </span>
      {range && <span className="text-muted tabular-nums">{range}</span>}
      <span className="flex gap-2">
        {next && (
          <PageLink href={next}>
            Next
            <ChevronRight aria-hidden />
          </PageLink>
        )}
      </span>
    </nav>
  );
}
