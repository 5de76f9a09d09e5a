/**
 * Counts requests in a client→server byte stream without terminating the protocol, so the
 * latency proxy can count attempts that reach a region even when it forwards nothing
 * (blackhole, partition). Only framing is parsed; a stream it cannot follow stops counting
 * rather than guessing.
 */
export interface RequestCounter {
  /** Feeds the next chunk; returns how many requests started in it. */
  push(chunk: Buffer): number;
}

const MAX_HEAD_BYTES = 64 * 1024;

/**
 * HTTP/1.1: a request is a header block ending in CRLFCRLF, then a body sized by
 * Content-Length or chunked encoding. Counts each request when its first byte arrives.
 */
export class Http1RequestCounter implements RequestCounter {
  #state: 'idle' | 'head' | 'body' | 'chunkSize' | 'chunkData' | 'trailer' | 'lost' = 'idle';
  #head = '';
  #remaining = 0;
  #line = '';

  push(chunk: Buffer): number {
    let count = 0;
    let i = 0;
    while (i < chunk.length && this.#state !== 'lost') {
      switch (this.#state) {
        case 'idle':
          // Stray CRLFs between requests are allowed by RFC 9112.
          if (chunk[i] === 0x0d || chunk[i] === 0x0a) {
            i++;
            break;
          }
          count++;
          this.#state = 'head';
          this.#head = '';
          break;
        case 'head': {
          // Search from 3 bytes back so a CRLFCRLF split across two chunks is still found.
          const before = this.#head.length;
          this.#head += chunk.toString('latin1', i);
          const at = this.#head.indexOf('\r\n\r\n', Math.max(0, before - 3));
          if (at === -1) {
            i = chunk.length;
            if (this.#head.length > MAX_HEAD_BYTES) this.#state = 'lost';
            break;
          }
          i += at + 4 - before;
          this.#startBody(this.#head.slice(0, at));
          this.#head = '';
          break;
        }
        case 'body': {
          const take = Math.min(this.#remaining, chunk.length - i);
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = 'idle';
          break;
        }
        case 'chunkSize':
        case 'trailer': {
          const nl = chunk.indexOf(0x0a, i);
          if (nl === -1) {
            this.#line += chunk.toString('latin1', i);
            i = chunk.length;
            break;
          }
          const line = (this.#line + chunk.toString('latin1', i, nl)).replace(/\r$/, '');
          this.#line = '';
          i = nl + 1;
          if (this.#state === 'trailer') {
            if (line === '') this.#state = 'idle';
            break;
          }
          const size = Number.parseInt(line.split(';')[0] ?? '', 16);
          if (!Number.isFinite(size)) {
            this.#state = 'lost';
          } else if (size === 0) {
            this.#state = 'trailer';
          } else {
            this.#remaining = size + 2; // data and its CRLF
            this.#state = 'chunkData';
          }
          break;
        }
        case 'chunkData': {
          const take = Math.min(this.#remaining, chunk.length - i);
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = 'chunkSize';
          break;
        }
      }
    }
    return count;
  }

  #startBody(head: string): void {
    const headers = head.toLowerCase();
    if (/\r\ntransfer-encoding:[^\r]*chunked/.test(headers)) {
      this.#state = 'chunkSize';
      return;
    }
    const length = /\r\ncontent-length:\s*(\d+)/.exec(headers);
    this.#remaining = length ? Number(length[1]) : 0;
    this.#state = this.#remaining > 0 ? 'body' : 'idle';
  }
}

const H2_PREFACE_LENGTH = 24;
const H2_FRAME_HEADER = 9;
const H2_HEADERS = 0x1;

/**
 * HTTP/2 (gRPC): after the 24-byte client preface, frames of a 9-byte header and a payload.
 * A request is a HEADERS frame opening a new client stream (odd stream id not seen before).
 */
export class Http2RequestCounter implements RequestCounter {
  #prefaceLeft = H2_PREFACE_LENGTH;
  #header = Buffer.alloc(H2_FRAME_HEADER);
  #headerFill = 0;
  #payloadLeft = 0;
  #highestStream = 0;

  push(chunk: Buffer): number {
    let count = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.#prefaceLeft > 0) {
        const take = Math.min(this.#prefaceLeft, chunk.length - i);
        this.#prefaceLeft -= take;
        i += take;
        continue;
      }
      if (this.#payloadLeft > 0) {
        const take = Math.min(this.#payloadLeft, chunk.length - i);
        this.#payloadLeft -= take;
        i += take;
        continue;
      }
      const take = Math.min(H2_FRAME_HEADER - this.#headerFill, chunk.length - i);
      chunk.copy(this.#header, this.#headerFill, i, i + take);
      this.#headerFill += take;
      i += take;
      if (this.#headerFill < H2_FRAME_HEADER) break;
      this.#headerFill = 0;
      const length = this.#header.readUIntBE(0, 3);
      const type = this.#header[3];
      const stream = this.#header.readUInt32BE(5) & 0x7fffffff;
      this.#payloadLeft = length;
      // Client streams are odd and strictly increasing; a second HEADERS on one is a trailer.
      if (type === H2_HEADERS && stream % 2 === 1 && stream > this.#highestStream) {
        this.#highestStream = stream;
        count++;
      }
    }
    return count;
  }
}
