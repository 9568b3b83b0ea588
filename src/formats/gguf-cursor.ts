/**
 * A bounds-checked little-endian reader over the first bytes of a GGUF file. A read past the
 * bytes at hand throws {@link NeedMore} (the caller fetches more and parses again); a read past
 * the end of the file, or a length or count the rest of the file cannot hold, is a FormatError.
 */
import type { FormatError } from '../errors.js';

/** A metadata value: numbers (64-bit integers as bigint), strings, booleans and arrays of them. */
export type GgufValue = number | bigint | string | boolean | GgufValue[];

/** Thrown when parsing needs the first `need` bytes of the file and has fewer. */
export class NeedMore extends Error {
  constructor(readonly need: number) {
    super(`need ${need} bytes`);
  }
}

const SCALARS: ReadonlyArray<readonly [name: string, size: number]> = [
  ['u8', 1], ['i8', 1], ['u16', 2], ['i16', 2], ['u32', 4], ['i32', 4], ['f32', 4], ['bool', 1],
];
const STRING = 8;
const ARRAY = 9;
const WIDE: ReadonlyArray<readonly [name: string, size: number]> = [['u64', 8], ['i64', 8], ['f64', 8]];
const MAX_NESTING = 4;
const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Name and fixed size of a scalar value type, or undefined for string, array and unknown types. */
function scalar(type: number): readonly [string, number] | undefined {
  return type < 8 ? SCALARS[type] : type >= 10 && type <= 12 ? WIDE[type - 10] : undefined;
}

/** Reads GGUF primitives from `bytes` (a prefix of a file of `fileSize` bytes). */
export class GgufCursor {
  pos = 0;
  private readonly view: DataView;

  constructor(
    private readonly buf: Uint8Array,
    private readonly fileSize: number,
    private readonly fail: (problem: string) => FormatError,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Ensures `n` more bytes exist in the file and are at hand. */
  private take(n: number, what: string): number {
    const at = this.pos;
    if (at + n > this.fileSize) {
      throw this.fail(`truncated GGUF header: ${what} at byte ${at} runs past the end of the file (${this.fileSize} bytes)`);
    }
    if (at + n > this.buf.length) throw new NeedMore(at + n);
    this.pos = at + n;
    return at;
  }

  /** The next `n` bytes. */
  bytes(n: number, what = 'magic'): Uint8Array {
    const at = this.take(n, what);
    return this.buf.subarray(at, at + n);
  }

  /** A u32. */
  u32(what = 'u32'): number {
    return this.view.getUint32(this.take(4, what), true);
  }

  /** A u64 that must fit a JS number exactly (sizes, offsets, dimensions). */
  u64(what: string): number {
    const v = this.view.getBigUint64(this.take(8, what), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail(`${what} ${v} is larger than 2^53`);
    return Number(v);
  }

  /** A u64 count of items of at least `minBytes` each, which the rest of the file must be able to hold. */
  count(what: string, minBytes: number): number {
    const n = this.u64(what);
    if (n * minBytes > this.fileSize - this.pos) {
      throw this.fail(`${what} ${n} needs more than the ${this.fileSize - this.pos} bytes left in the file (truncated or corrupt)`);
    }
    return n;
  }

  /** A u64-length-prefixed UTF-8 string of at most `max` bytes. */
  string(what: string, max = Number.MAX_SAFE_INTEGER): string {
    const len = this.count(`${what} length`, 1);
    if (len > max) throw this.fail(`${what} length ${len} is over ${max}`);
    const at = this.take(len, what);
    return text.decode(this.buf.subarray(at, at + len));
  }

  /** A u32 value type followed by a value of that type. */
  typedValue(what: string, depth = 0): { type: string; value: GgufValue } {
    const type = this.u32(`${what} type`);
    return this.value(type, what, depth);
  }

  private value(type: number, what: string, depth: number): { type: string; value: GgufValue } {
    const s = scalar(type);
    if (s !== undefined) return { type: s[0], value: this.scalarValue(type, this.take(s[1], what)) };
    if (type === STRING) return { type: 'string', value: this.string(what) };
    if (type !== ARRAY) throw this.fail(`${what} has unknown value type ${type}`);
    if (depth >= MAX_NESTING) throw this.fail(`${what} nests arrays deeper than ${MAX_NESTING}`);
    const itemType = this.u32(`${what} array type`);
    const itemScalar = scalar(itemType);
    if (!itemScalar && itemType !== STRING && itemType !== ARRAY) throw this.fail(`${what} is an array of unknown value type ${itemType}`);
    const minBytes = itemScalar ? itemScalar[1] : itemType === STRING ? 8 : 12;
    const n = this.count(`${what} array length`, minBytes);
    if (this.pos + n * minBytes > this.buf.length) throw new NeedMore(this.pos + n * minBytes);
    const items: GgufValue[] = new Array<GgufValue>(n);
    let itemName = itemScalar?.[0] ?? (itemType === STRING ? 'string' : 'array');
    for (let i = 0; i < n; i++) {
      const item = this.value(itemType, what, depth + 1);
      items[i] = item.value;
      if (itemType === ARRAY && i === 0) itemName = item.type;
    }
    return { type: `array<${itemName}>`, value: items };
  }

  private scalarValue(type: number, at: number): GgufValue {
    const v = this.view;
    switch (type) {
      case 0: return v.getUint8(at);
      case 1: return v.getInt8(at);
      case 2: return v.getUint16(at, true);
      case 3: return v.getInt16(at, true);
      case 4: return v.getUint32(at, true);
      case 5: return v.getInt32(at, true);
      case 6: return v.getFloat32(at, true);
      case 7: {
        const b = v.getUint8(at);
        if (b > 1) throw this.fail(`bool value ${b} at byte ${at} is neither 0 nor 1`);
        return b === 1;
      }
      case 10: return v.getBigUint64(at, true);
      case 11: return v.getBigInt64(at, true);
      default: return v.getFloat64(at, true);
    }
  }
}
