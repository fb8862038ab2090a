/** Display formats. Times are stored in UTC and shown in UTC, labelled as such. */
const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const timeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'UTC',
});

export function formatDay(day: string | Date): string {
  return dayFormat.format(typeof day === 'string' ? new Date(`${day}T00:00:00Z`) : day);
}

export function formatDateTime(date: Date): string {
  return `${timeFormat.format(date)} UTC`;
}

export function formatCents(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** A file's size as people read it: "512 bytes", "820 KB", "4.2 MB" (KB and MB of 1,024). */
export function formatFileSize(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte');
  if (bytes < 1024 * 1024) return `${Math.ceil(bytes / 1024).toLocaleString('en-US')} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
