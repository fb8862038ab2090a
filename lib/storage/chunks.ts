import { Readable } from 'node:stream';

/** One chunk at a time, whichever kind of stream the caller has; nothing is read ahead. */
export async function* chunksOf(source: Readable | ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (source instanceof Readable) {
    // destroyOnReturn: false — same rule as below: stopping early must not destroy the caller's stream.
    for await (const chunk of source.iterator({ destroyOnReturn: false })) {
      // A Readable with an encoding set yields strings; bytes are what get stored and hashed.
      if (typeof chunk === 'string') yield Buffer.from(chunk);
      else if (chunk instanceof Uint8Array) yield chunk;
      else throw new TypeError('The upload stream yielded something other than bytes.');
    }
    return;
  }
  const reader = source.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stopped early (too large, disk error): the caller owns the source and decides whether to
    // cancel it. Cancelling an HTTP request body destroys the socket, and with it the chance to
    // answer 413, so the store only lets go.
    reader.releaseLock();
  }
}
