import type { ComponentProps } from 'react';
import { Select } from '@/components/ui/select';

/**
 * The "@ domain" half of an address field: one of the organisation's domains. In a row that wraps
 * (`flex-wrap`), it goes under the part before the @ on a phone rather than squeeze it.
 */
export function DomainSelect({ domains, ...props }: ComponentProps<'select'> & { domains: string[] }) {
  return (
    <span className="flex min-w-36 flex-1 items-center gap-2 sm:flex-none">
      <span aria-hidden className="text-muted">
        @
      </span>
      <span className="min-w-0 flex-1 sm:w-48 sm:flex-none">
        <Select {...props}>
          {domains.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </Select>
      </span>
    </span>
  );
}

/** The class of the part before the @ beside a `DomainSelect`: it takes the room, and a line of its own on a phone. */
export const LOCAL_PART_CLASS = 'min-w-40 flex-[2_1_10rem]';
