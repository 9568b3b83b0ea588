/**
 * multipart/byteranges bodies parsed as they stream in (src/formats/multipart-byteranges.ts): the
 * body hub serve sends for a multi-range fetch, cut at every possible place, gives the parts'
 * bytes in order; a part of another range, a body that ends early, a part too many and trailing
 * garbage are refused.
 */
import { describe, expect, it } from 'vitest';
import { ByteRangesParser, byteRangesBoundary, type RangePiece } from '../../../src/formats/multipart-byteranges.js';

const BOUNDARY = 'hub-0123456789abcdef';
const ranges = [
  { start: 10, end: 15 },
  { start: 40, end: 49 },
];
const data = [Buffer.from('hello'), Buffer.from('\r\n--hub-x')]; // part bytes may look like a delimiter

/** The body as RFC 9110 writes it (and hub serve's xet-download.ts does). */
function body(parts: Buffer[] = data, rs = ranges, close = true): Buffer {
  const out: Buffer[] = [];
  parts.forEach((p, i) => {
    out.push(Buffer.from(`${i === 0 ? '' : '\r\n'}--${BOUNDARY}\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes ${rs[i].start}-${rs[i].end - 1}/100\r\n\r\n`), p);
  });
  if (close) out.push(Buffer.from(`\r\n--${BOUNDARY}--\r\n`));
  return Buffer.concat(out);
}

function parse(bytes: Buffer, cuts: number[]): RangePiece[] {
  const p = new ByteRangesParser(BOUNDARY, ranges);
  const out: RangePiece[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(...p.push(bytes.subarray(at, c)));
    at = c;
  }
  p.end();
  return out;
}

function joined(pieces: RangePiece[]): string[] {
  const byPart = ['', ''];
  for (const x of pieces) byPart[x.part] += Buffer.from(x.data).toString('latin1');
  return byPart;
}

describe('ByteRangesParser', () => {
  it('gives each part its bytes, however the body is cut', () => {
    const b = body();
    for (let i = 0; i <= b.length; i++) expect(joined(parse(b, [i])), `cut at ${i}`).toEqual(['hello', '\r\n--hub-x']);
    expect(joined(parse(b, Array.from({ length: b.length - 1 }, (_, i) => i + 1)))).toEqual(['hello', '\r\n--hub-x']); // a byte at a time
  });

  it('reads the boundary of the content type', () => {
    expect(byteRangesBoundary(`multipart/byteranges; boundary=${BOUNDARY}`)).toBe(BOUNDARY);
    expect(byteRangesBoundary('multipart/byteranges; boundary="a b"')).toBe('a b');
    expect(byteRangesBoundary('application/octet-stream')).toBeUndefined();
  });

  it('refuses a part of another range than asked for', () => {
    expect(() => parse(body(data, [ranges[0], { start: 41, end: 50 }]), [])).toThrow(/part 1 holds bytes 41-49, not the 40-48 asked for/);
  });

  it('refuses a body that ends before its closing delimiter', () => {
    expect(() => parse(body(data, ranges, false), [])).toThrow(/ends inside part 1 of 2/);
    expect(() => parse(body().subarray(0, 30), [])).toThrow(/ends inside/);
  });

  it('refuses a part more than asked for, a missing Content-Range and garbage after the end', () => {
    const p = new ByteRangesParser(BOUNDARY, ranges.slice(0, 1));
    expect(() => p.push(body())).toThrow(/more than the 1 parts/);
    expect(() => parse(Buffer.from(`--${BOUNDARY}\r\nContent-Type: x\r\n\r\nhello`), [])).toThrow(/no Content-Range/);
    expect(() => parse(Buffer.concat([body(), Buffer.from('junk')]), [])).toThrow(/after the closing/);
  });
});
