import type { Readable } from 'node:stream';
import { MailParser, type AddressObject, type AttachmentStream, type MessageText } from 'mailparser';
import { newStorageKey, type BlobStore } from '@/lib/storage/storage';

/** One attachment (or inline `cid:` image) of a gateway message, already in the attachment store. */
export type StoredPart = { storageKey: string; fileName: string; contentType: string; sizeBytes: number; sha256: string; inline: boolean };

export type ParsedMime = {
  subject: string;
  fromName: string;
  /** Addresses in the Cc header (lower case): envelope recipients listed there are Cc recipients of the secure message. */
  cc: Set<string>;
  html: string;
  text: string;
  parts: StoredPart[];
};

/** A message mailparser could not read, or one whose parts pass the attachment limit. Permanent: retrying changes nothing. */
export class UnreadableMessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnreadableMessageError';
  }
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  const out: string[] = [];
  const walk = (entries: AddressObject['value']) => {
    for (const entry of entries) {
      if (entry.address) out.push(entry.address.toLowerCase());
      if (entry.group) walk(entry.group);
    }
  };
  for (const item of list) walk(item.value);
  return out;
}

/**
 * Parses a message with mailparser, streaming every attachment straight into the store (never
 * holding one whole in memory): text and HTML bodies, attachments and inline `cid:` images (kept
 * as attachments: secure-message bodies load no images). On failure the parts stored so far are
 * removed again.
 */
export async function parseMime(raw: Readable, store: BlobStore, options: { maxAttachmentBytes: number }): Promise<ParsedMime> {
  const parser = new MailParser({ skipImageLinks: true });
  const parts: StoredPart[] = [];
  const pending: Promise<void>[] = [];
  let remaining = options.maxAttachmentBytes;
  let body: MessageText | null = null;
  let subject = '';
  let fromName = '';
  let cc = new Set<string>();

  parser.on('headers', (headers: Map<string, unknown>) => {
    const value = headers.get('subject');
    subject = typeof value === 'string' ? value : '';
    const from = headers.get('from') as AddressObject | undefined;
    fromName = from?.value?.[0]?.name ?? '';
    cc = new Set(addresses(headers.get('cc') as AddressObject | AddressObject[] | undefined));
  });
  parser.on('data', (data: AttachmentStream | MessageText) => {
    if (data.type === 'text') {
      body = data;
      return;
    }
    const key = newStorageKey();
    const part = data;
    pending.push(
      store
        .put(key, part.content as Readable, { maxBytes: Math.max(0, remaining) })
        .then((stored) => {
          remaining -= stored.size;
          parts.push({
            storageKey: key,
            fileName: part.filename ?? (part.cid ? `inline-${part.cid}` : 'attachment'),
            contentType: part.contentType || 'application/octet-stream',
            sizeBytes: stored.size,
            sha256: stored.sha256,
            inline: part.contentDisposition === 'inline' || Boolean(part.related),
          });
        })
        .finally(() => part.release?.()),
    );
  });

  try {
    await new Promise<void>((resolve, reject) => {
      parser.once('end', () => resolve());
      parser.once('error', reject);
      raw.once('error', reject);
      raw.pipe(parser);
    });
    await Promise.all(pending);
  } catch (error) {
    raw.unpipe(parser);
    raw.destroy();
    await Promise.allSettled(pending);
    await Promise.all(parts.map((p) => store.delete(p.storageKey).catch(() => undefined)));
    throw new UnreadableMessageError(`The message could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const text = body as MessageText | null;
  return {
    subject,
    fromName,
    cc,
    html: typeof text?.html === 'string' ? text.html : '',
    text: text?.text ?? '',
    parts,
  };
}
