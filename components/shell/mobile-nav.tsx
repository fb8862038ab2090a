'use client';

import { Menu } from '@/components/ui/icons';
import { Button } from '@/components/ui/button';
import { Dialog, DialogContent, DialogDescription, DialogTitle, DialogTrigger } from '@/components/ui/dialog';
import { useOpenOnFirstUse } from '@/components/ui/use-open-on-first-use';
import { AdminNav, type NavLink } from './admin-nav';

/** The navigation in a dialog on narrow screens. */
export function MobileNav({ items, orgName }: { items: NavLink[]; orgName: string }) {
  const { open, setOpen, used, triggerProps, triggerRef, onCloseAutoFocus } = useOpenOnFirstUse('dialog');
  const trigger = (props: object) => (
    <Button variant="ghost" size="icon" className="lg:hidden" aria-label="Open navigation" {...props}>
      <Menu aria-hidden />
    </Button>
  );
  if (!used) return trigger(triggerProps);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>{trigger({ ref: triggerRef })}</DialogTrigger>
      <DialogContent className="top-0 left-0 h-dvh max-w-xs translate-x-0 translate-y-0 content-start rounded-none" onCloseAutoFocus={onCloseAutoFocus}>
        <DialogTitle>Navigation</DialogTitle>
        <DialogDescription>{orgName}</DialogDescription>
        <nav aria-label="Main">
          <AdminNav items={items} onNavigate={() => setOpen(false)} />
        </nav>
      </DialogContent>
    </Dialog>
  );
}
