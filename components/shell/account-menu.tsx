'use client';

import { ChevronDown, KeyRound, LogOut } from '@/components/ui/icons';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useTransition, type ReactNode } from 'react';
import { signOutAction } from '@/app/(auth)/actions';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '@/components/ui/dropdown-menu';
import { toast } from '@/components/ui/toast';
import { useOpenOnFirstUse } from '@/components/ui/use-open-on-first-use';

export function AccountMenu({ name, email, levelName }: { name: string; email: string; levelName: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const initials = name
    .split(/\s+/)
    .map((part) => part[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
  const signOut = () =>
    startTransition(async () => {
      const result = await signOutAction({});
      if (result && !result.ok) {
        if (result.error.code === 'unauthenticated') router.push('/login');
        else toast({ title: 'Could not sign out', description: result.error.message, variant: 'error' });
      }
    });
  const { open, setOpen, used, triggerProps, triggerRef, onCloseAutoFocus } = useOpenOnFirstUse('menu');
  const face: ReactNode = (
    <>
      <span aria-hidden className="flex size-8 items-center justify-center rounded-full bg-brand-100 text-xs font-semibold text-brand-700">
        {initials}
      </span>
      <span className="hidden min-w-0 sm:grid">
        <span className="truncate text-sm font-medium">{name}</span>
        <span className="truncate text-xs text-muted">{levelName}</span>
      </span>
      <ChevronDown aria-hidden className="size-4 text-muted" />
    </>
  );
  const triggerClass = 'flex cursor-pointer items-center gap-2 rounded-md px-2 py-1.5 text-left hover:bg-canvas';
  if (!used)
    return (
      <button className={triggerClass} aria-label={`Account menu for ${name}`} {...triggerProps}>
        {face}
      </button>
    );
  return (
    <DropdownMenu open={open} onOpenChange={setOpen}>
      <DropdownMenuTrigger ref={triggerRef} className={triggerClass} aria-label={`Account menu for ${name}`}>
        {face}
      </DropdownMenuTrigger>
      <DropdownMenuContent className="w-64" onCloseAutoFocus={onCloseAutoFocus}>
        <DropdownMenuLabel>
          <span className="block truncate text-sm font-medium text-ink">{name}</span>
          <span className="block truncate text-xs font-normal text-muted">{email}</span>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem asChild>
          <Link href="/change-password">
            <KeyRound aria-hidden className="size-4" /> Change password
          </Link>
        </DropdownMenuItem>
        <DropdownMenuItem asChild>
          <Link href="/two-factor">
            <KeyRound aria-hidden className="size-4" /> Two-factor authentication
          </Link>
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={signOut} disabled={pending}>
          <LogOut aria-hidden className="size-4" /> {pending ? 'Signing out…' : 'Sign out'}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
