import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { MailParser, type AddressObject, type AttachmentStream, type MessageText } from 'mailparser';
import type { UploadWrap } from '@/lib/crypto/keys';
import { isAppError } from '@/lib/errors/app-error';
import { copySealedFile, storeSealedFile } from '@/lib/crypto/sealed-files';
import type { BlobStore } from '@/lib/storage/storage';

/**
 * One attachment (or inline `cid:` image) of a gateway message, already in the attachment store,
 * sealed as a portal upload is (lib/crypto/sealed-files.ts): under a key of its own, wrapped by the
 * server's upload key, bound to `id` — the id its attachment row will have, so that sending the
 * secure message (bindAttachmentKeys) rewraps the key under the message's data key.
 */
export type StoredPart = {
  id: string;
  storageKey: string;
  fileKey: Buffer;
  fileKeyWrap: UploadWrap;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  inline: boolean;
};

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
 * Parses a message with mailparser, streaming every attachment straight into the store, sealed
 * (never holding one whole in memory, never storing a plain byte): text and HTML bodies, attachments and inline `cid:` images (kept
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
  // A part that cannot be stored (past the limit, the store failing) ends the parse at once.
  let failPart: (error: unknown) => void = () => undefined;
  const partFailed = new Promise<never>((_, reject) => {
    failPart = reject;
  });
  partFailed.catch(() => undefined);

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
    const part = data;
    const id = randomUUID();
    // mailparser emits the next part only after release(): the parts are stored one at a time,
    // each against what the ones before it left of the limit.
    const storing = storeSealedFile(store, { fileId: id, source: part.content as Readable, maxBytes: Math.max(0, remaining) })
      .then((stored) => {
        remaining -= stored.sizeBytes;
        parts.push({
          id,
          storageKey: stored.storageKey,
          fileKey: stored.fileKey,
          fileKeyWrap: stored.fileKeyWrap,
          fileName: part.filename ?? (part.cid ? `inline-${part.cid}` : 'attachment'),
          contentType: part.contentType || 'application/octet-stream',
          sizeBytes: stored.sizeBytes,
          sha256: stored.sha256,
          inline: part.contentDisposition === 'inline' || Boolean(part.related),
        });
      })
      .catch((error: unknown) => {
        // The rest of this part runs off so the parser is not left waiting on it; the parse fails now.
        (part.content as Readable).resume();
        failPart(error);
        throw error;
      })
      .finally(() => part.release?.());
    // Awaited below, after the parse: marked handled now so a failure meanwhile is not "unhandled".
    storing.catch(() => undefined);
    pending.push(storing);
  });

  try {
    await Promise.race([
      new Promise<void>((resolve, reject) => {
        parser.once('end', () => resolve());
        parser.once('error', reject);
        raw.once('error', reject);
        raw.pipe(parser);
      }),
      partFailed,
    ]);
    await Promise.all(pending);
  } catch (error) {
    raw.unpipe(parser);
    raw.destroy();
    await Promise.allSettled(pending);
    await Promise.all(parts.map((p) => store.delete(p.storageKey).catch(() => undefined)));
    // Keys out of reach for now (KMS down): temporary, the job tries again; anything else is the message's.
    if (isAppError(error) && error.code === 'unavailable') throw error;
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

/** A copy of a part for another secure message: opened and sealed again under a new id and key (a blob belongs to one attachment row). */
export async function copyPart(store: BlobStore, part: StoredPart): Promise<StoredPart> {
  const id = randomUUID();
  const copy = await copySealedFile(store, part, id);
  return { ...part, id, storageKey: copy.storageKey, fileKey: copy.fileKey, fileKeyWrap: copy.fileKeyWrap, sha256: copy.sha256 };
}
