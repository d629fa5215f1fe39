/**
 * LSP over stdio that a stray byte cannot stop: a stream between stdin and the JSON-RPC reader that
 * passes on only well-formed messages (`Content-Length` header, a body of that many bytes that is
 * JSON) and skips anything else up to the next header. Without it, bytes between two messages
 * (a shell's echo, a wrapper's banner) end the conversation: the reader never finds a header again.
 */
import { Transform, type TransformCallback } from 'node:stream';

const HEADER = /content-(length|type):/i;
/** A body larger than this is not a manifest editor's message: its header is skipped. */
const MAX_BODY = 256 * 1024 * 1024;

export class FrameResync extends Transform {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly dropped: (bytes: number, why: string) => void = () => undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    this.drain();
    done();
  }

  private skip(bytes: number, why: string): void {
    if (bytes <= 0) return;
    this.buffer = this.buffer.subarray(bytes);
    this.dropped(bytes, why);
  }

  private drain(): void {
    for (;;) {
      // Headers are ASCII: search the bytes as latin1 so offsets are byte offsets.
      const text = this.buffer.toString('latin1', 0, Math.min(this.buffer.length, 64 * 1024));
      const start = text.search(HEADER);
      if (start < 0) {
        // Keep what could be the start of a header cut in two; skip the rest.
        this.skip(this.buffer.length - Math.min(this.buffer.length, 16), 'not a message');
        return;
      }
      this.skip(start, 'bytes between messages');
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buffer.length > 8 * 1024) this.skip(1, 'a header that never ends');
        else return;
        continue;
      }
      const length = Number(/content-length:\s*(\d+)/i.exec(this.buffer.toString('latin1', 0, end))?.[1]);
      if (!Number.isFinite(length) || length > MAX_BODY) {
        this.skip(end + 4, 'a header without a usable Content-Length');
        continue;
      }
      if (this.buffer.length < end + 4 + length) return; // the rest of the body is on its way
      const body = this.buffer.subarray(end + 4, end + 4 + length);
      try {
        JSON.parse(body.toString('utf8'));
      } catch {
        // Not a message after all (a truncated one, or a body that lies about its length): skip only
        // its header and look again from there, so a real message inside these bytes is not lost.
        this.skip(end + 4, 'a header whose body is not JSON');
        continue;
      }
      this.push(Buffer.from(`Content-Length: ${length}\r\n\r\n`, 'latin1'));
      this.push(Buffer.from(body));
      this.buffer = this.buffer.subarray(end + 4 + length);
    }
  }
}
