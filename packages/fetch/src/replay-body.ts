import { Readable } from 'node:stream';

export type PreparedBody =
  | { readonly replayable: true; readonly body: unknown }
  | { readonly replayable: false; readonly body: AsyncIterable<Buffer> };

/**
 * True for bodies that can be read only once: Node and web streams, iterables, generators.
 * Strings, buffers, typed arrays, Blobs and FormData can be sent again as they are.
 */
export function isOneShotBody(body: unknown): boolean {
  if (body == null || typeof body !== 'object') return false;
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return false;
  if (body instanceof Readable) return true;
  // FormData iterates its entries, but undici serialises it afresh for every request.
  if ((body as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'FormData') return false;
  return Symbol.asyncIterator in body || Symbol.iterator in body;
}

/**
 * Reads a one-shot body into memory so every attempt can send it. Stops at `limit` bytes:
 * the rest is then streamed once, behind the part already read, and the call must not retry.
 *
 * When `stop` aborts (the caller gave up), the source is ended as its iterator ends it (a web
 * stream is cancelled, a generator finished, a Node stream destroyed), once any read in
 * progress returns, and no more is read.
 */
export async function bufferBody(
  body: object,
  limit: number,
  stop: AbortSignal,
): Promise<PreparedBody> {
  const iterator: AsyncIterator<unknown> | Iterator<unknown> =
    Symbol.asyncIterator in body
      ? (body as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (body as Iterable<unknown>)[Symbol.iterator]();
  const release = () => {
    // A web stream's source is cancelled with this reason. How the body ends is not the call's
    // outcome (that is already `stop.reason`), so an error ending it is dropped.
    Promise.resolve(iterator.return?.(stop.reason)).catch(() => {});
  };
  stop.addEventListener('abort', release, { once: true });
  try {
    return await readUpTo(iterator, limit, stop);
  } finally {
    stop.removeEventListener('abort', release);
  }
}

async function readUpTo(
  iterator: AsyncIterator<unknown> | Iterator<unknown>,
  limit: number,
  stop: AbortSignal,
): Promise<PreparedBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const step = await iterator.next();
    stop.throwIfAborted();
    if (step.done) return { replayable: true, body: Buffer.concat(chunks, size) };
    const chunk = toBuffer(step.value);
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) return { replayable: false, body: readOn(chunks, iterator) };
  }
}

async function* readOn(
  head: Buffer[],
  iterator: AsyncIterator<unknown> | Iterator<unknown>,
): AsyncGenerator<Buffer> {
  let finished = false;
  try {
    yield* head;
    for (;;) {
      const step = await iterator.next();
      if (step.done) break;
      yield toBuffer(step.value);
    }
    finished = true;
  } finally {
    // undici stopped early (the attempt failed): release the source, e.g. destroy a stream.
    if (!finished) await iterator.return?.();
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (ArrayBuffer.isView(chunk))
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return Buffer.from(chunk);
  throw new TypeError(
    `request body chunk is a ${typeof chunk}; a streamed body must yield strings, Buffers or Uint8Arrays`,
  );
}
