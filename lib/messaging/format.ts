import { format } from 'date-fns';
import type { PortalPreferences } from '@/db/schema';

/** One formatter per time zone: making an Intl.DateTimeFormat costs far more than using one. */
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let found = zoneFormats.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    zoneFormats.set(timeZone, found);
  }
  return found;
}

/** Whether the runtime knows this IANA time zone. */
export function isTimeZone(value: string): boolean {
  try {
    zoneFormat(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Dates in the portal follow the user's preferences: date format, 12/24-hour clock and time zone
 * (UTC until they choose one), with the zone's short name ("UTC", "EST", "GMT+1").
 */
export function formatPortalDate(date: Date, preferences: Pick<PortalPreferences, 'dateFormat' | 'timeFormat' | 'timeZone'>): string {
  const parts = Object.fromEntries(zoneFormat(preferences.timeZone ?? 'UTC').formatToParts(date).map((p) => [p.type, p.value]));
  // The wall-clock time in that zone, as a Date whose own fields hold it, for date-fns to format.
  const wall = new Date(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
  const time = preferences.timeFormat === '12h' ? 'h:mm a' : 'HH:mm';
  return `${format(wall, preferences.dateFormat)} ${format(wall, time)} ${parts.timeZoneName ?? 'UTC'}`;
}

/** Why a message cannot be printed, told to the person looking at it (sender or recipient). */
export function noPrintReason(message: { recalled: true } | { recalled: false; isSender: boolean }): string {
  if (message.recalled) return 'It was recalled by its sender.';
  return message.isSender ? 'You sent it restricted: no print.' : 'Its sender restricted it: no print.';
}
