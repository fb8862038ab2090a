'use client';

import { DropdownMenu as MenuPrimitive } from 'radix-ui';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { saveColumnPreferencesAction } from '@/app/(admin)/lists/actions';
import { Button } from '@/components/ui/button';
import { DropdownMenu, DropdownMenuContent, DropdownMenuLabel, DropdownMenuTrigger } from '@/components/ui/dropdown-menu';
import { Check, Columns3 } from '@/components/ui/icons';
import { toast } from '@/components/ui/toast';
import type { ChoosableList } from '@/lib/lists/column-preferences';

export type ChoosableColumn = { id: string; label: string };

/**
 * "Columns": which of a list's optional columns to show, remembered for the administrator
 * (lib/lists/column-preferences.ts). Shown at once (`onHiddenChange`, for a table in the
 * browser) or by refreshing the page (a table rendered on the server).
 */
export function ColumnChooser({
  list,
  columns,
  hidden: initial,
  onHiddenChange,
}: {
  list: ChoosableList;
  columns: ChoosableColumn[];
  hidden: string[];
  onHiddenChange?: (hidden: string[]) => void;
}) {
  const router = useRouter();
  const [hidden, setHidden] = useState(initial);
  const [pending, startTransition] = useTransition();

  const toggle = (id: string, visible: boolean) => {
    const next = visible ? hidden.filter((h) => h !== id) : [...hidden, id];
    const before = hidden;
    setHidden(next);
    onHiddenChange?.(next);
    startTransition(async () => {
      const result = await saveColumnPreferencesAction({ list, hidden: next });
      if (!result.ok) {
        setHidden(before);
        onHiddenChange?.(before);
        toast({ title: 'Columns not saved', description: result.error.message, variant: 'error' });
        return;
      }
      if (!onHiddenChange) router.refresh();
    });
  };

  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="outline" size="sm" loading={pending}>
          <Columns3 aria-hidden /> Columns
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent>
        <DropdownMenuLabel>Show columns</DropdownMenuLabel>
        {columns.map((column) => (
          <MenuPrimitive.CheckboxItem
            key={column.id}
            checked={!hidden.includes(column.id)}
            onCheckedChange={(checked) => toggle(column.id, checked === true)}
            onSelect={(event) => event.preventDefault()}
            className="relative flex cursor-pointer select-none items-center gap-2 rounded-md py-1.5 pr-2 pl-8 outline-none data-highlighted:bg-brand-50 data-highlighted:text-brand-700"
          >
            <MenuPrimitive.ItemIndicator className="absolute left-2 inline-flex">
              <Check aria-hidden className="size-4" />
            </MenuPrimitive.ItemIndicator>
            {column.label}
          </MenuPrimitive.CheckboxItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
