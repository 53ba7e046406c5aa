import {EncodingError} from "./errors.ts";

/** What a libp2p stream yields: Uint8Array or Uint8ArrayList (which flattens with subarray()). */
export type ByteChunk = Uint8Array | {subarray(): Uint8Array};

/**
 * Pull-based reader over an async iterable of byte chunks (a libp2p stream): reads exactly N bytes, one byte, or
 * checks for EOF, never consuming more from the source than the bytes asked for need (whole source chunks are
 * buffered). Errors of the source (stream reset, abort on timeout) are thrown by the read that hits them.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<ByteChunk>;
  private readonly chunks: Uint8Array[] = [];
  /** Read offset into chunks[0]. */
  private offset = 0;
  private buffered = 0;
  private ended = false;
  /** Bytes handed out so far. */
  bytesRead = 0;

  constructor(source: AsyncIterable<ByteChunk>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Pulls one more chunk from the source; false at EOF. */
  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.iterator.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    const bytes = next.value instanceof Uint8Array ? next.value : next.value.subarray();
    if (bytes.length > 0) {
      this.chunks.push(bytes);
      this.buffered += bytes.length;
    }
    return true;
  }

  /** Resolves true once at least one byte is available, false at EOF (nothing left). */
  async waitForData(): Promise<boolean> {
    while (this.buffered === 0) {
      if (!(await this.pull())) return false;
    }
    return true;
  }

  /** True when the source ended and every byte was read. */
  async isAtEnd(): Promise<boolean> {
    return !(await this.waitForData());
  }

  /** One byte, or null at EOF. */
  async readByte(): Promise<number | null> {
    if (!(await this.waitForData())) return null;
    const byte = this.chunks[0][this.offset];
    this.consume(1);
    return byte;
  }

  /** Exactly n bytes; UNEXPECTED_EOF if the source ends first. */
  async readExact(n: number): Promise<Uint8Array> {
    // nothing to read (e.g. a zero-length snappy chunk): with no chunk buffered, chunks[0] below would not exist
    if (n === 0) return new Uint8Array(0);
    while (this.buffered < n) {
      if (!(await this.pull())) {
        throw new EncodingError("UNEXPECTED_EOF", `stream ended after ${this.buffered} of ${n} expected bytes`);
      }
    }
    const first = this.chunks[0];
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.consume(n);
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0];
      const take = Math.min(chunk.length - this.offset, n - filled);
      out.set(chunk.subarray(this.offset, this.offset + take), filled);
      filled += take;
      this.consume(take);
    }
    return out;
  }

  private consume(n: number): void {
    this.offset += n;
    this.buffered -= n;
    this.bytesRead += n;
    while (this.chunks.length > 0 && this.offset >= this.chunks[0].length) {
      this.offset -= this.chunks[0].length;
      this.chunks.shift();
    }
  }

  /** Stops pulling from the source (ends the iterator so the stream listener is removed). */
  async release(): Promise<void> {
    this.ended = true;
    try {
      await this.iterator.return?.();
    } catch {
      // the source already failed: nothing to release
    }
  }
}

/** An async iterable over fixed byte arrays (tests, and decoding a complete buffer). */
export async function* bytesSource(...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk;
}
