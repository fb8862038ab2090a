import type { ComponentProps } from 'react';
import { Select } from '@/components/ui/select';

/** The "@ domain" half of an address field: one of the organisation's domains. */
export function DomainSelect({ domains, ...props }: ComponentProps<'select'> & { domains: string[] }) {
  return (
    <>
      <span aria-hidden className="text-muted">
        @
      </span>
      <div className="w-48 shrink-0">
        <Select {...props}>
          {domains.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </Select>
      </div>
    </>
  );
}
