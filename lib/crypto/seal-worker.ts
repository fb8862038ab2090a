import { Worker } from 'node:worker_threads';
import { SEGMENT_BYTES } from './segment-size';

/**
 * A thread of its own that seals a large file's segments (AES-256-GCM) and hashes its plain bytes
 * (SHA-256), so an upload's event loop only reads the request and copies each segment's bytes
 * across. Both are about 30 ms of work per 50 MB: on the event loop they came after reading the
 * request, here they run beside it (`npm run bench -- attachment-http`). One thread per process,
 * started at the first large file and kept, unreferenced, while no file is being sealed.
 *
 * The thread's code is plain JavaScript given as a string (`eval`), so it needs no file of its own
 * in the server's bundle. It keeps one SHA-256 per file, fed in segment order; a segment's bytes
 * are moved to it (transferred, not copied) and its sealed form moved back.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createCipheriv, createHash } = require('node:crypto');
const files = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'start') return void files.set(m.file, { key: Buffer.from(m.key), hash: m.hash ? createHash('sha256') : null });
  if (m.type === 'end') return void files.delete(m.file);
  const file = files.get(m.file);
  if (!file) {
    // A file already let go (one of its segments failed): said, so no segment waits for ever.
    return void parentPort.postMessage({ file: m.file, index: m.index, error: 'the file was let go', plain: m.plain }, [m.plain]);
  }
  try {
    const plain = Buffer.from(m.plain, 0, m.length);
    if (file.hash) file.hash.update(plain);
    const cipher = createCipheriv('aes-256-gcm', file.key, Buffer.from(m.nonce));
    cipher.setAAD(Buffer.from(m.aad));
    let body = cipher.update(plain);
    cipher.final();
    const tag = new Uint8Array(cipher.getAuthTag());
    // Moved, not copied: the ciphertext when it has its memory to itself, and the plain buffer back
    // for its next segment. Nothing is left here for the garbage collector.
    if (body.byteOffset !== 0 || body.byteLength !== body.buffer.byteLength) body = new Uint8Array(body);
    const digest = m.final && file.hash ? file.hash.digest('hex') : undefined;
    if (m.final) files.delete(m.file);
    // Wiped before it goes back for reuse: no plaintext waits in a spare buffer (here, not on the event loop).
    new Uint8Array(m.plain).fill(0);
    parentPort.postMessage({ file: m.file, index: m.index, body: body.buffer, tag, digest, plain: m.plain }, [body.buffer, m.plain]);
  } catch (e) {
    files.delete(m.file);
    parentPort.postMessage({ file: m.file, index: m.index, error: String(e && e.message || e) });
  }
});
`;

/** Segment buffers kept for reuse: enough for the segments in flight of a few files at once. */
const SPARE_BUFFERS = 8;

/** A sealed segment (ciphertext, tag) and, with the last one, the plain file's SHA-256. */
type Sealed = { sealed: Buffer[]; digest?: string };
type Waiting = { resolve: (value: Sealed) => void; reject: (error: Error) => void };

class SealThread {
  readonly worker = new Worker(THREAD_SOURCE, { eval: true, name: 'sealpost-seal' });
  private readonly waiting = new Map<string, Waiting>();
  private files = 0;
  /** Why the thread is gone, once it is: what every segment handed to it afterwards fails with. */
  private gone: Error | null = null;
  /** Segment buffers back from the thread, for the next segments. */
  private readonly spare: ArrayBuffer[] = [];
  private nextFile = 0;

  /** Files being sealed on this thread now. */
  get openFiles(): number {
    return this.files;
  }

  constructor(onGone: (thread: SealThread) => void) {
    this.worker.unref();
    this.worker.on('message', (m: { file: number; index: number; body?: ArrayBuffer; tag?: Uint8Array; plain?: ArrayBuffer; digest?: string; error?: string }) => {
      if (m.plain && m.plain.byteLength === SEGMENT_BYTES && this.spare.length < SPARE_BUFFERS) this.spare.push(m.plain);
      const id = `${m.file}:${m.index}`;
      const waiter = this.waiting.get(id);
      this.waiting.delete(id);
      if (!waiter) return;
      if (m.error !== undefined || !m.body || !m.tag) waiter.reject(new Error(`Sealing a file failed: ${m.error}`));
      else waiter.resolve({ sealed: [Buffer.from(m.body), Buffer.from(m.tag.buffer, m.tag.byteOffset, m.tag.byteLength)], digest: m.digest });
    });
    const fail = (error: Error) => {
      this.gone ??= error;
      onGone(this);
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`The sealing thread stopped (exit code ${code}).`)));
  }

  /** A file to seal: its segments go in order through `segment`, and `end` lets it go (also when the upload stops early). */
  open(key: Buffer, hash: boolean): SealThreadFile {
    const file = this.nextFile++;
    if (this.files++ === 0) this.worker.ref();
    // Small values go as copies of their own: a Buffer may be a view of Node's shared 8 KiB pool,
    // and posting the view would copy the whole pool to the thread.
    this.worker.postMessage({ type: 'start', file, key: new Uint8Array(key), hash });
    let ended = false;
    return {
      segment: (index, final, nonce, aad, parts) => {
        if (this.gone) return Promise.reject(this.gone);
        // The segment's bytes copied into a buffer of its own, which then moves to the thread: the
        // parts are views of the request's chunks, which are not ours to hand over.
        // Buffers come back with their segment's result and are used again, so a 50 MB upload
        // allocates a few of them, not fifty.
        const size = parts.reduce((n, p) => n + p.length, 0);
        const buffer = size <= SEGMENT_BYTES ? (this.spare.pop() ?? new ArrayBuffer(SEGMENT_BYTES)) : new ArrayBuffer(size);
        const plain = Buffer.from(buffer);
        let offset = 0;
        for (const part of parts) offset += part.copy(plain, offset);
        const result = new Promise<Sealed>((resolve, reject) => this.waiting.set(`${file}:${index}`, { resolve, reject }));
        this.worker.postMessage({ type: 'segment', file, index, final, nonce: new Uint8Array(nonce), aad: new Uint8Array(aad), plain: buffer, length: size }, [buffer]);
        return result;
      },
      end: () => {
        if (ended) return;
        ended = true;
        // Segments still on their way are dropped with the file: nobody waits for them any more.
        for (const id of this.waiting.keys()) if (id.startsWith(`${file}:`)) this.waiting.delete(id);
        this.worker.postMessage({ type: 'end', file });
        if (--this.files === 0) this.worker.unref();
      },
    };
  }
}

export type SealThreadFile = {
  segment(index: number, final: boolean, nonce: Buffer, aad: Buffer, parts: Buffer[]): Promise<Sealed>;
  end(): void;
};

let thread: SealThread | null = null;

/** Starts sealing a file on the process's sealing thread (started now if need be). */
export function sealOnThread(key: Buffer, hash: boolean): SealThreadFile {
  thread ??= new SealThread((gone) => {
    // Only if it is still the current one: a newer thread may have taken its place already.
    if (thread === gone) thread = null;
  });
  return thread.open(key, hash);
}

/**
 * Stops the sealing thread now (files being sealed on it fail; the next file starts a new one).
 * For tests of a thread that dies; the process needs no call at exit, the idle thread is unreferenced.
 */
export async function stopSealThread(): Promise<void> {
  await thread?.worker.terminate();
}

/** Files being sealed on the sealing thread now: 0 whenever nothing is being uploaded (each file is let go, whatever happened to it). */
export function filesOnSealThread(): number {
  return thread?.openFiles ?? 0;
}
