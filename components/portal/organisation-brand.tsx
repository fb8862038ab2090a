import type { Branding } from '@/lib/organisations/branding';

/** An organisation's logo (when it has one) and name: who wrote to the recipient (issue #23, branding). */
export function OrganisationBrand({ brand, size = 'md' }: { brand: Branding; size?: 'sm' | 'md' }) {
  return (
    <span className="inline-flex min-w-0 items-center gap-2">
      {brand.logoUrl && (
        // eslint-disable-next-line @next/next/no-img-element -- our own small route, no optimisation to gain
        <img src={brand.logoUrl} alt={`${brand.name} logo`} className={size === 'sm' ? 'h-7 max-w-28 shrink-0 object-contain' : 'h-10 max-w-40 shrink-0 object-contain'} />
      )}
      <span className={`min-w-0 truncate font-semibold ${size === 'sm' ? 'text-sm' : 'text-base'}`}>{brand.name}</span>
    </span>
  );
}
