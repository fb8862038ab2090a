'use client';

import { FilePen, Inbox, PenSquare, Send, Settings } from '@/components/ui/icons';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/components/ui/cn';

export function PortalNav({ unread, drafts = 0 }: { unread: number; drafts?: number }) {
  const pathname = usePathname();
  const items = [
    { href: '/secure/inbox', label: 'Inbox', icon: Inbox, count: unread },
    { href: '/secure/sent', label: 'Sent', icon: Send, count: 0 },
    { href: '/secure/drafts', label: 'Drafts', icon: FilePen, count: drafts, kind: 'draft' },
    { href: '/secure/compose', label: 'Compose', icon: PenSquare, count: 0 },
    { href: '/secure/preferences', label: 'Preferences', icon: Settings, count: 0 },
  ] as { href: string; label: string; icon: typeof Inbox; count: number; kind?: 'draft' }[];
  return (
    <ul className="grid gap-0.5">
      {items.map((item) => {
        const active = pathname.startsWith(item.href);
        return (
          <li key={item.href}>
            <Link
              href={item.href}
              aria-current={active ? 'page' : undefined}
              className={cn('flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium', active ? 'bg-brand-50 text-brand-700' : 'text-ink hover:bg-canvas')}
            >
              <item.icon aria-hidden className={cn('size-4', active ? 'text-brand-600' : 'text-muted')} />
              <span className="flex-1">{item.label}</span>
              {item.count > 0 && (
                <span className={cn('rounded-full px-2 py-0.5 text-xs font-semibold', item.kind === 'draft' ? 'bg-canvas text-muted' : 'bg-brand-600 text-white')}>
                  {item.count}
                  <span className="sr-only">{item.kind === 'draft' ? (item.count === 1 ? ' draft' : ' drafts') : ' unread'}</span>
                </span>
              )}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
