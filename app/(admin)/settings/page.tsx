import { redirect } from 'next/navigation';
import { requireAdminPage } from '@/lib/auth/session';

/** /settings has no page of its own: its first section is the API keys. */
export default async function SettingsPage() {
  await requireAdminPage('settings.manage');
  redirect('/settings/api-keys');
}
