import { Transform, type TransformCallback } from 'node:stream';
import { Headers } from '@zone-eu/mailsplit';
import libmime from 'libmime';

/**
 * Passes a message through unchanged while keeping its header section (up to `maxHeaderBytes`),
 * so the gateway learns the Message-ID and Subject without buffering the message. The header
 * section is parsed by mailsplit (Nodemailer's own splitter), never by hand.
 */
export class HeaderSectionTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The header section passed ${maxBytes} bytes.`);
    this.name = 'HeaderSectionTooLargeError';
  }
}

export class MalformedMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedMessageError';
  }
}

export type SniffedHeaders = { messageId: string; subject: string };

/** A header field starts with a name of printable characters other than ':' and space (RFC 5322 §2.2). */
const FIELD_START = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;

export class HeaderSniffer extends Transform {
  private head: Buffer[] = [];
  private headBytes = 0;
  private done = false;
  private section: Buffer | null = null;

  constructor(private readonly maxHeaderBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    if (!this.done) {
      // Only the bytes up to the limit are kept: a 1 MB header line never sits in memory whole.
      const room = this.maxHeaderBytes + 4 - this.headBytes;
      const part = chunk.subarray(0, Math.max(0, room));
      this.head.push(part);
      this.headBytes += part.length;
      const joined = Buffer.concat(this.head);
      this.head = [joined];
      const end = endOfHeaders(joined);
      if (end >= 0) {
        this.done = true;
        this.section = joined.subarray(0, end);
        this.head = [];
      } else if (this.headBytes > this.maxHeaderBytes) {
        return callback(new HeaderSectionTooLargeError(this.maxHeaderBytes));
      }
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback) {
    if (!this.done) {
      // A message that is all header section (no body) is still a message.
      this.done = true;
      this.section = Buffer.concat(this.head);
      this.head = [];
    }
    callback();
  }

  /** The Message-ID and decoded Subject; MalformedMessageError when there is no header section. */
  headers(): SniffedHeaders {
    const section = this.section ?? Buffer.alloc(0);
    const firstLine = section.subarray(0, Math.min(section.length, 1000)).toString('latin1').split(/\r?\n/, 1)[0] ?? '';
    if (!FIELD_START.test(firstLine)) throw new MalformedMessageError('The message does not start with a header section (RFC 5322).');
    const parsed = new Headers(Buffer.concat([section, Buffer.from('\r\n\r\n')]));
    const messageId = (parsed.getFirst('message-id') ?? '').trim().slice(0, 998);
    let subject = (parsed.getFirst('subject') ?? '').trim();
    try {
      subject = libmime.decodeWords(subject);
    } catch {
      // A broken encoded word stays as sent; the subject is for display only.
    }
    return { messageId: /^<[^<>\s]+>$/.test(messageId) ? messageId : '', subject: subject.replace(/[\r\n\t]+/g, ' ').slice(0, 998) };
  }
}

/** Index of the blank line ending the header section (CRLF CRLF or LF LF), or -1. */
function endOfHeaders(buffer: Buffer): number {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf;
  return lf;
}
