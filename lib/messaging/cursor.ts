import type { MailboxCursor } from './queries';

export function encodeMailboxCursor(cursor: MailboxCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** A hand-edited or foreign cursor simply shows the newest page. */
export function decodeMailboxCursor(raw: string): MailboxCursor | undefined {
  if (!raw || raw.length > 200) return undefined;
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<MailboxCursor>;
    if (typeof value.sentAt === 'string' && !Number.isNaN(Date.parse(value.sentAt)) && typeof value.id === 'string' && /^[0-9a-f-]{36}$/i.test(value.id)) {
      return { sentAt: value.sentAt, id: value.id };
    }
  } catch {
    // fall through
  }
  return undefined;
}
