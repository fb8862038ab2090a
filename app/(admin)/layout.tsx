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
    .map(({ href, label, icon }) => ({ href, label, icon }));

  return (
    <div className="min-h-dvh lg:grid lg:grid-cols-[16rem_1fr]">
      <aside className="hidden border-r border-line bg-surface lg:flex lg:flex-col">
        <div className="flex h-16 items-center px-5">
          <Logo />
        </div>
        <div className="mx-3 mb-4 flex items-center gap-2 rounded-md border border-line bg-canvas px-3 py-2">
          <Building2 aria-hidden className="size-4 text-muted" />
          <span className="truncate text-sm font-medium">{admin.orgName}</span>
        </div>
        <nav aria-label="Main" className="flex-1 px-3">
          <AdminNav items={items} />
        </nav>
      </aside>
      <div className="flex min-w-0 flex-col">
        <header className="sticky top-0 z-20 flex h-16 items-center gap-3 border-b border-line bg-surface/95 px-4 backdrop-blur sm:px-6">
          <MobileNav items={items} orgName={admin.orgName} />
          <div className="lg:hidden">
            <Logo />
          </div>
          <p className="hidden text-sm text-muted lg:block">
            <span className="sr-only">Organisation: </span>
            {admin.orgName}
          </p>
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
