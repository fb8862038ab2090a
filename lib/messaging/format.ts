import { format } from 'date-fns';
import type { PortalPreferences } from '@/db/schema';

/** Dates in the portal follow the user's preferences (date format, 12/24-hour clock). Shown in UTC. */
export function formatPortalDate(date: Date, preferences: Pick<PortalPreferences, 'dateFormat' | 'timeFormat'>): string {
  const utc = new Date(date.getTime() + date.getTimezoneOffset() * 60_000);
  const time = preferences.timeFormat === '12h' ? 'h:mm a' : 'HH:mm';
  return `${format(utc, preferences.dateFormat)} ${format(utc, time)} UTC`;
}
