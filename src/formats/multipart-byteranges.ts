/**
 * A `multipart/byteranges` body (RFC 9110 §14.6) parsed as it streams in, for a request whose
 * ranges are known: each part must carry `Content-Range: bytes A-B/…` of the next range asked
 * for, in order, and its body is read by that length (never by searching binary data for the
 * boundary). Out come the parts' bytes, tagged with the range they belong to. Anything else (a
 * missing or different range, a malformed delimiter, bytes after the closing one, a body that
 * ends early) is one `Error` naming it. Pure.
 */

/** Bytes of part `part` (the index of its range), in order. */
export interface RangePiece {
  part: number;
  data: Uint8Array;
}

/** The boundary of a `multipart/byteranges` content type, or undefined when it is another type. */
export function byteRangesBoundary(contentType: string | undefined): string | undefined {
  const m = /^\s*multipart\/byteranges\s*;(?:.*;)?\s*boundary=("?)([^";]{1,70})\1\s*(?:;.*)?$/i.exec(contentType ?? '');
  return m ? m[2] : undefined;
}

const HEADER_LIMIT = 8 << 10;

/** Streams the parts of a multipart/byteranges body; see the module comment. */
export class ByteRangesParser {
  private state: 'delimiter' | 'headers' | 'body' | 'after' | 'done' = 'delimiter';
  private text = '';
  private part = -1;
  private left = 0;

  /** `ranges`: the byte ranges asked for, [start, end) each, in order. */
  constructor(private readonly boundary: string, private readonly ranges: ReadonlyArray<{ start: number; end: number }>) {}

  /** The part bytes in `chunk`. */
  push(chunk: Uint8Array): RangePiece[] {
    const out: RangePiece[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.state === 'body') {
        const n = Math.min(this.left, chunk.length - at);
        out.push({ part: this.part, data: chunk.subarray(at, at + n) });
        at += n;
        this.left -= n;
        if (this.left === 0) this.state = 'after';
        continue;
      }
      if (this.state === 'done') {
        // an epilogue is allowed by RFC 2046 but servers send at most a line break
        const rest = Buffer.from(chunk.subarray(at)).toString('latin1');
        if (rest.trim() !== '') throw new Error('bytes after the closing multipart delimiter');
        return out;
      }
      // delimiter, headers or after: text up to a blank line or a delimiter line
      const nl = chunk.indexOf(0x0a, at);
      const end = nl < 0 ? chunk.length : nl + 1;
      this.text += Buffer.from(chunk.subarray(at, end)).toString('latin1');
      at = end;
      if (this.text.length > HEADER_LIMIT) throw new Error('a multipart header section longer than 8 KiB');
      if (nl >= 0) this.line();
    }
    return out;
  }

  /** Checks that the body ended after the closing delimiter. */
  end(): void {
    if (this.state !== 'done') throw new Error(`the multipart body ends inside part ${Math.max(0, this.part)} of ${this.ranges.length}`);
  }

  /** One complete line in `text` (with its line break). */
  private line(): void {
    if (this.state === 'delimiter' || this.state === 'after') {
      const line = this.text.replace(/\r?\n$/, '');
      if (line === '') {
        // the CRLF that precedes a delimiter (after a part's body; RFC 2046 allows one before the first too)
        this.text = '';
        return;
      }
      this.text = '';
      if (line === `--${this.boundary}--`) {
        if (this.part !== this.ranges.length - 1) throw new Error(`the multipart body closes after ${this.part + 1} of ${this.ranges.length} parts`);
        this.state = 'done';
        return;
      }
      if (line !== `--${this.boundary}`) throw new Error(`expected the multipart delimiter, got ${JSON.stringify(line.slice(0, 80))}`);
      if (this.part + 1 >= this.ranges.length) throw new Error(`more than the ${this.ranges.length} parts asked for`);
      this.state = 'headers';
      return;
    }
    // headers: they end with an empty line
    if (!/(^|\n)\r?\n$/.test(this.text)) return;
    const headers = this.text;
    this.text = '';
    const m = /^content-range:\s*bytes\s+(\d+)-(\d+)\/(?:\d+|\*)\s*$/im.exec(headers);
    const want = this.ranges[++this.part];
    if (!m) throw new Error(`part ${this.part} has no Content-Range`);
    const start = Number(m[1]);
    const end = Number(m[2]) + 1;
    if (start !== want.start || end !== want.end) throw new Error(`part ${this.part} holds bytes ${start}-${end - 1}, not the ${want.start}-${want.end - 1} asked for`);
    this.left = end - start;
    this.state = 'body';
  }
}
