'use client';

import { AtSign, BarChart3, Building2, ImageIcon, CalendarSync, KeyRound, Mail, MailX, Radar, Contact, History, LayoutDashboard, MailCheck, MessagesSquare, ReceiptText, ScrollText, UsersRound, type IconComponent } from '@/components/ui/icons';
import { usePathname } from 'next/navigation';
import { cn } from '@/components/ui/cn';
import { useClientNavigation } from '@/components/ui/use-client-navigation';
import { NAV_GROUPS, type NavGroup, type NavIcon } from '@/lib/navigation';

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
  'api-keys': KeyRound,
  'billing-email': AtSign,
  'domain-sign-in': Building2,
  'mail-flow': Mail,
  branding: ImageIcon,
};

export type NavLink = { href: string; label: string; icon: NavIcon; group?: NavGroup };

/**
 * The navigation: the dashboard, then one titled list per group (NAV_GROUPS' order; a group the
 * administrator's level cannot use is not shown). Plain links with one click handler for
 * client-side navigation (see useClientNavigation).
 */
export function AdminNav({ items, onNavigate }: { items: NavLink[]; onNavigate?: () => void }) {
  const pathname = usePathname();
  const navigate = useClientNavigation(onNavigate);
  const sections = [
    { title: null, items: items.filter((item) => !item.group) },
    ...NAV_GROUPS.map((group) => ({ title: group, items: items.filter((item) => item.group === group) })),
  ].filter((section) => section.items.length > 0);
  return (
    <div className="grid gap-4" onClick={navigate}>
      {sections.map((section) => {
        const headingId = section.title ? `nav-${section.title.toLowerCase().replace(/[^a-z]+/g, '-')}${onNavigate ? '-mobile' : ''}` : undefined;
        return (
          <div key={section.title ?? 'top'}>
            {section.title && (
              <p id={headingId} className="mb-1 px-3 text-xs font-semibold tracking-wide text-muted uppercase">
                {section.title}
              </p>
            )}
            <ul className="grid gap-0.5" aria-labelledby={headingId}>
              {section.items.map((item) => {
                const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
                const Icon = icons[item.icon];
                return (
                  <li key={item.href}>
                    <a
                      href={item.href}
                      aria-current={active ? 'page' : undefined}
                      className={cn(
                        'flex items-center gap-3 rounded-md px-3 py-1.5 text-sm font-medium transition-colors',
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
          </div>
        );
      })}
    </div>
  );
}
