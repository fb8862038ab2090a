import { format } from 'date-fns';
import type { Metadata } from 'next';
import { connection } from 'next/server';
import { PreferencesForm } from '@/components/portal/preferences-form';
import { PageHeader } from '@/components/ui/page-header';
import { requirePortalPage } from '@/lib/auth/session';
import { DATE_FORMATS } from '@/lib/portal/preferences';

export const metadata: Metadata = { title: 'Preferences · Secure messages · Sealpost' };

/** UTC first, then every zone the runtime knows, by name. */
const TIME_ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];

export default async function PreferencesPage() {
  await connection();
  const user = await requirePortalPage();
  const sample = new Date(2026, 10, 22);
  const samples = Object.fromEntries(DATE_FORMATS.map((f) => [f, format(sample, f)]));
  return (
    <div className="grid gap-6">
      <PageHeader title="Preferences" description="How dates and times are shown to you, in which time zone, and your signature." />
      <PreferencesForm initial={user.preferences} samples={samples} timeZones={TIME_ZONES} />
    </div>
  );
}
