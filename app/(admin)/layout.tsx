import { Building2 } from '@/components/ui/icons';
import { redirect } from 'next/navigation';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { StepUpDialogHost } from '@/components/auth/step-up';
import { AccountMenu } from '@/components/shell/account-menu';
import { AdminNav } from '@/components/shell/admin-nav';
import { Logo } from '@/components/shell/logo';
import { MobileNav } from '@/components/shell/mobile-nav';
import { SubscriptionBanner } from '@/components/subscription/subscription-banner';
import { can, LEVEL_NAMES } from '@/lib/auth/permissions';
import { firstStepFor, getCurrentAdmin, redirectToAdminSignIn } from '@/lib/auth/session';
import { subscriptionState } from '@/lib/licensing/subscription-state';
import { adminNavigation } from '@/lib/navigation';

/** The administration shell. Each page checks its own permission too: a layout is not a guard. */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  await connection();
  const admin = await getCurrentAdmin();
  if (!admin) return redirectToAdminSignIn();
  const first = firstStepFor(admin);
  if (first) redirect(first);
  const items = adminNavigation
    .filter((item) => can(admin.level, item.permission))
    .map(({ href, label, icon, group }) => ({ href, label, icon, group }));

  return (
    <div className="min-h-dvh lg:grid lg:grid-cols-[16rem_1fr]">
      <aside className="hidden border-r border-line bg-surface lg:sticky lg:top-0 lg:flex lg:h-dvh lg:flex-col">
        <div className="flex h-16 shrink-0 items-center px-5">
          <Logo />
        </div>
        <p className="mb-3 flex items-center gap-2 px-5 text-xs text-muted">
          <Building2 aria-hidden className="size-3.5 shrink-0" />
          <span className="sr-only">Organisation: </span>
          <span className="truncate font-medium">{admin.orgName}</span>
        </p>
        <nav aria-label="Main" className="flex-1 overflow-y-auto px-3 pb-4">
          <AdminNav items={items} />
        </nav>
      </aside>
      <div className="flex min-w-0 flex-col">
        <header className="sticky top-0 z-20 flex h-16 items-center gap-3 border-b border-line bg-surface/95 px-4 backdrop-blur sm:px-6">
          <MobileNav items={items} orgName={admin.orgName} />
          <div className="lg:hidden">
            <Logo />
          </div>
          <div className="ml-auto">
            <AccountMenu name={admin.name} email={admin.email} levelName={`Level ${admin.level} · ${LEVEL_NAMES[admin.level]}`} />
          </div>
        </header>
        <main id="main" className="mx-auto w-full max-w-6xl flex-1 px-4 py-8 sm:px-6">
          {admin.renewalDate && <SubscriptionBanner state={subscriptionState(admin.renewalDate, new Date())} level={admin.level} />}
          {children}
        </main>
        <StepUpDialogHost />
      </div>
    </div>
  );
}
