import { format } from 'date-fns';
import type { PortalPreferences } from '@/db/schema';

/** Dates in the portal follow the user's preferences (date format, 12/24-hour clock). Shown in UTC. */
export function formatPortalDate(date: Date, preferences: Pick<PortalPreferences, 'dateFormat' | 'timeFormat'>): string {
  const utc = new Date(date.getTime() + date.getTimezoneOffset() * 60_000);
  const time = preferences.timeFormat === '12h' ? 'h:mm a' : 'HH:mm';
  return `${format(utc, preferences.dateFormat)} ${format(utc, time)} UTC`;
}

/** Why a message cannot be printed, told to the person looking at it (sender or recipient). */
export function noPrintReason(message: { recalled: true } | { recalled: false; isSender: boolean }): string {
  if (message.recalled) return 'It was recalled by its sender.';
  return message.isSender ? 'You sent it restricted: no print.' : 'Its sender restricted it: no print.';
}
