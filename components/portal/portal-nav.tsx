'use client';

import { Inbox, PenSquare, Send, Settings } from '@/components/ui/icons';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@/components/ui/cn';

export function PortalNav({ unread }: { unread: number }) {
  const pathname = usePathname();
  const items = [
    { href: '/secure/inbox', label: 'Inbox', icon: Inbox, count: unread },
    { href: '/secure/sent', label: 'Sent', icon: Send, count: 0 },
    { href: '/secure/compose', label: 'Compose', icon: PenSquare, count: 0 },
    { href: '/secure/preferences', label: 'Preferences', icon: Settings, count: 0 },
  ];
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
                <span className="rounded-full bg-brand-600 px-2 py-0.5 text-xs font-semibold text-white">
                  {item.count}
                  <span className="sr-only"> unread</span>
                </span>
              )}
            </Link>
          </li>
        );
      })}
    </ul>
  );
}
