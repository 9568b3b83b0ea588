/**
 * The WebAssembly gear scan (gear.wat): 64-bit Xet semantics at native speed (1.4-1.6 GB/s
 * measured here, against 0.4-0.5 GB/s for 64-bit arithmetic emulated in plain JS). Each
 * scanner owns its memory and rolling-hash state; input is placed straight into that memory.
 */
import { ExitCode, HubError } from '../errors.js';
import { GEAR_TABLE_HEX } from './gear-table.js';
import { GEAR_WASM_BASE64 } from './gear-wasm.js';

/** Where input data may start in the scanner's memory (the gear table sits below it). */
export const DATA_BASE = 4096;

interface GearExports {
  reset(): void;
  next_match(start: number, end: number): number;
}

let compiled: WebAssembly.Module | undefined;

/** A gear scanner with `capacity` bytes of input space at DATA_BASE. */
export class GearScanner {
  /** View of the input space: [0, capacity) maps to memory [DATA_BASE, DATA_BASE + capacity). */
  readonly data: Uint8Array;
  private readonly exports: GearExports;

  constructor(capacity: number) {
    compiled ??= new WebAssembly.Module(Buffer.from(GEAR_WASM_BASE64, 'base64'));
    const { exports, memory } = instanceWith(compiled, Math.ceil((DATA_BASE + capacity) / 65536));
    this.exports = exports;
    const table = new BigUint64Array(memory.buffer, 0, 256);
    for (let i = 0; i < 256; i++) table[i] = BigInt(`0x${GEAR_TABLE_HEX[i]}`);
    this.data = new Uint8Array(memory.buffer, DATA_BASE, capacity);
  }

  /** Starts a new chunk: the rolling hash goes back to 0. */
  reset(): void {
    this.exports.reset();
  }

  /**
   * Rolls the hash over data[from, to). Returns the index just after the first byte at which
   * (h & 0xFFFF000000000000) == 0, or -1 if none did (the state then covers the whole range).
   */
  nextMatch(from: number, to: number): number {
    const r = this.exports.next_match(DATA_BASE + from, DATA_BASE + to);
    return r < 0 ? -1 : r - DATA_BASE;
  }
}

/**
 * An instance of the gear scan with `pages` of memory, or a one-line error where they cannot be
 * had: V8 reserves ~10 GiB of address space per WebAssembly memory unless node runs with
 * --disable-wasm-trap-handler, which `hub` itself does under an address-space limit (bin/hub.js);
 * a program using this library under `ulimit -v` has to pass it.
 */
function instanceWith(module: WebAssembly.Module, pages: number): { exports: GearExports; memory: WebAssembly.Memory } {
  try {
    // a maximum: without one V8 reserves room to grow to 4 GiB, which a limit refuses after
    // several garbage collections and retries (~24 ms each time)
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    return { exports: new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as GearExports, memory };
  } catch (err) {
    if (!(err instanceof RangeError)) throw err; // what V8 throws when it cannot reserve or grow a memory
    throw new HubError('wasm_memory', `cannot reserve the chunker's WebAssembly memory (${(err as Error).message})`, ExitCode.error, {
      cause: err,
      hint: "under an address-space limit ('ulimit -v'), run node with --disable-wasm-trap-handler, or raise the limit",
    });
  }
}
