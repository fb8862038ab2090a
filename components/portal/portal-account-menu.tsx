'use client';

import { ChevronDown, CircleUserRound, KeyRound, LogOut } from '@/components/ui/icons';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useTransition } from 'react';
import { portalSignOutAction } from '@/app/secure/actions';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuSeparator, DropdownMenuTrigger } from '@/components/ui/dropdown-menu';
import { useOpenOnFirstUse } from '@/components/ui/use-open-on-first-use';

export function PortalAccountMenu({ email }: { email: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const { open, setOpen, used, triggerProps, triggerRef, onCloseAutoFocus } = useOpenOnFirstUse('menu');
  const triggerClass = 'flex cursor-pointer items-center gap-2 rounded-md px-2 py-1.5 text-sm hover:bg-canvas';
  const face = (
    <>
      <CircleUserRound aria-hidden className="size-5 text-muted" />
      <span className="hidden max-w-56 truncate sm:block">{email}</span>
      {/* On a phone the address does not fit: the menu still says what it is. */}
      <span className="sm:hidden">Account</span>
      <ChevronDown aria-hidden className="size-4 text-muted" />
    </>
  );
  // A plain trigger until first used (see useOpenOnFirstUse): this menu is on every portal page.
  if (!used)
    return (
      <button className={triggerClass} aria-label={`Account menu for ${email}`} {...triggerProps}>
        {face}
      </button>
    );
  return (
    <DropdownMenu open={open} onOpenChange={setOpen}>
      <DropdownMenuTrigger ref={triggerRef} className={triggerClass} aria-label={`Account menu for ${email}`}>
        {face}
      </DropdownMenuTrigger>
      <DropdownMenuContent className="w-64" onCloseAutoFocus={onCloseAutoFocus}>
        <DropdownMenuLabel>
          <span className="block truncate text-sm font-medium text-ink">{email}</span>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href="/secure/change-password">
            <KeyRound aria-hidden className="size-4" /> Change password
          </Link>
        </DropdownMenuItem>
        <DropdownMenuItem
          disabled={pending}
          onSelect={() =>
            startTransition(async () => {
              const result = await portalSignOutAction({});
              if (result && !result.ok) router.push('/secure/login');
            })
          }
        >
          <LogOut aria-hidden className="size-4" /> {pending ? 'Signing out…' : 'Sign out'}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
