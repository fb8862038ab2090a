'use client';

import { BarChart3, Building2, CalendarSync, KeyRound, Mail, MailX, Radar, Contact, History, LayoutDashboard, MailCheck, MessagesSquare, ReceiptText, ScrollText, UsersRound, type IconComponent } from '@/components/ui/icons';
import { usePathname } from 'next/navigation';
import { cn } from '@/components/ui/cn';
import { useClientNavigation } from '@/components/ui/use-client-navigation';
import type { NavIcon } from '@/lib/navigation';

const icons: Record<NavIcon, IconComponent> = {
  dashboard: LayoutDashboard,
  'licensed-emails': MailCheck,
  invoices: ReceiptText,
  renewals: CalendarSync,
  administrators: UsersRound,
  events: History,
  policies: ScrollText,
  'secure-messages': MessagesSquare,
  reports: BarChart3,
  'delivery-events': Radar,
  recipients: Contact,
  suppressions: MailX,
  settings: KeyRound,
  'domain-sign-in': Building2,
  'mail-flow': Mail,
};

export type NavLink = { href: string; label: string; icon: NavIcon };

/** The navigation list. Plain links with one click handler for client-side navigation (see useClientNavigation). */
export function AdminNav({ items, onNavigate }: { items: NavLink[]; onNavigate?: () => void }) {
  const pathname = usePathname();
  const navigate = useClientNavigation(onNavigate);
  return (
    <ul className="grid gap-0.5" onClick={navigate}>
      {items.map((item) => {
        const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
        const Icon = icons[item.icon];
        return (
          <li key={item.href}>
            <a
              href={item.href}
              aria-current={active ? 'page' : undefined}
              className={cn(
                'flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium transition-colors',
                active ? 'bg-brand-50 text-brand-700' : 'text-ink hover:bg-canvas',
              )}
            >
              <Icon aria-hidden className={cn('size-4', active ? 'text-brand-600' : 'text-muted')} />
              {item.label}
            </a>
          </li>
        );
      })}
    </ul>
  );
}
