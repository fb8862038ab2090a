import { connection } from 'next/server';
import type { ReactNode } from 'react';
import { DeviceTimeZone } from '@/components/portal/device-time-zone';
import { PortalAccountMenu } from '@/components/portal/portal-account-menu';
import { PortalNav } from '@/components/portal/portal-nav';
import { Logo } from '@/components/shell/logo';
import { getDb } from '@/db/client';
import { getCurrentPortalUser, redirectToPortalSignIn } from '@/lib/auth/session';
import { countUnread } from '@/lib/messaging/queries';
import { countDrafts } from '@/lib/messaging/drafts';
import { brandingForPortalUser } from '@/lib/organisations/branding';
import { OrganisationBrand } from '@/components/portal/organisation-brand';

/** The secure-message portal's shell. Each page checks the session again: a layout is not a guard. */
export default async function PortalLayout({ children }: { children: ReactNode }) {
  await connection();
  const user = await getCurrentPortalUser();
  if (!user) return redirectToPortalSignIn();
  const [unread, drafts, brands] = await Promise.all([countUnread(getDb(), user.id, new Date()), countDrafts(getDb(), user.id), brandingForPortalUser(getDb(), user)]);
  return (
    <div className="min-h-dvh md:grid md:grid-cols-[14rem_1fr]">
      {!user.timeZoneChosen && <DeviceTimeZone />}
      <aside className="border-b border-line bg-surface md:border-r md:border-b-0">
        <div className="flex h-16 items-center px-5">
          <Logo />
        </div>
        <nav aria-label="Folders" className="px-3 pb-3">
          <PortalNav unread={unread} drafts={drafts} />
        </nav>
      </aside>
      <div className="flex min-w-0 flex-col">
        <header className="flex h-16 items-center justify-between gap-3 border-b border-line bg-surface px-4 sm:px-6">
          {/* Who the messages are from: the user's organisation, or those that wrote to an external recipient. */}
          {brands.length > 0 ? (
            <ul aria-label="Organisations" className="flex min-w-0 items-center gap-4 overflow-hidden">
              {brands.map((brand) => (
                <li key={brand.orgId} className="min-w-0">
                  <OrganisationBrand brand={brand} size="sm" />
                </li>
              ))}
            </ul>
          ) : (
            <span />
          )}
          <PortalAccountMenu email={user.email} />
        </header>
        <main id="main" className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 sm:px-6">
          {children}
        </main>
      </div>
    </div>
  );
}
