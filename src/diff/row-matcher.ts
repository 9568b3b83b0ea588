/**
 * The memory of a table diff: an open-addressing hash table from a row's 128-bit key hash (the
 * key columns' hash with --key, the whole compared row's hash without) to how often the key
 * occurs in A and in B, plus per row of A the link to the next A row with the same key, its
 * 128-bit value hash (keyed diffs only) and whether a row of B was paired with it. Everything
 * lives in typed arrays, with no JS object per row: 21 bytes per row of A (5 without a key) and
 * 64 to 128 per distinct key of A and B (32-byte slots, at most half full), doubled briefly
 * while an array grows, whatever the rows' width.
 *
 * Pairing: rows of B are taken in file order, and each is paired with the earliest row of A with
 * the same key not yet paired. So A rows with a key are matched to B rows with it in file order;
 * a key's surplus rows in A are removed, its surplus rows in B are added.
 */

const EMPTY = -1;

/** Grows a typed array to at least `need` elements, doubling. */
function grow<T extends Int32Array | Uint32Array | Uint8Array>(array: T, need: number, make: (n: number) => T): T {
  if (need <= array.length) return array;
  const next = make(Math.max(need, array.length * 2));
  next.set(array);
  return next;
}

/** Key counts and A-row pairing for one table diff. */
export class RowMatcher {
  private mask = (1 << 12) - 1;
  private keys = new Uint32Array((this.mask + 1) * 4);
  private countA = new Uint32Array(this.mask + 1);
  private countB = new Uint32Array(this.mask + 1);
  private cursor = new Int32Array(this.mask + 1);
  private tail = new Int32Array(this.mask + 1);
  private size = 0;
  private next = new Int32Array(1 << 12);
  private values: Uint32Array;
  private paired = new Uint8Array(1 << 12);
  /** Rows of A added so far. */
  rowsA = 0;
  /** Rows of B that found a row of A to pair with. */
  pairs = 0;
  /** After addB: how many times the key has now occurred in B. */
  lastCountB = 0;

  /** `keyed`: whether rows carry a value hash beside their key hash. */
  constructor(private readonly keyed: boolean) {
    this.values = new Uint32Array(keyed ? this.next.length * 4 : 0);
  }

  /** Adds the next row of A (with its value hash when keyed); returns how often its key is now in A. */
  addA(key: Uint32Array, keyAt: number, value?: Uint32Array, valueAt = 0): number {
    const row = this.rowsA++;
    if (row >= this.next.length) this.growRows();
    this.next[row] = EMPTY;
    if (this.keyed && value) {
      const v = this.values;
      const o = row * 4;
      v[o] = value[valueAt];
      v[o + 1] = value[valueAt + 1];
      v[o + 2] = value[valueAt + 2];
      v[o + 3] = value[valueAt + 3];
    }
    const slot = this.insert(key, keyAt);
    if (this.countA[slot]++ === 0) this.cursor[slot] = row;
    else this.next[this.tail[slot]] = row;
    this.tail[slot] = row;
    return this.countA[slot];
  }

  /** Adds the next row of B; returns the row of A it pairs with, or -1 (an added row). */
  addB(key: Uint32Array, keyAt: number): number {
    const slot = this.insert(key, keyAt);
    this.lastCountB = ++this.countB[slot];
    const row = this.countA[slot] === 0 ? EMPTY : this.cursor[slot];
    if (row === EMPTY) return EMPTY;
    this.cursor[slot] = this.next[row];
    this.paired[row] = 1;
    this.pairs++;
    return row;
  }

  /** Whether row `row` of A has the value hash value[at..at+4). */
  sameValue(row: number, value: Uint32Array, at: number): boolean {
    const v = this.values;
    const o = row * 4;
    return v[o] === value[at] && v[o + 1] === value[at + 1] && v[o + 2] === value[at + 2] && v[o + 3] === value[at + 3];
  }

  /** Whether row `row` of A was paired with a row of B. */
  isPaired(row: number): boolean {
    return this.paired[row] === 1;
  }

  /** How many times a key occurs in A and in B. */
  occurrences(key: Uint32Array, keyAt: number): { a: number; b: number } {
    const slot = this.find(key, keyAt);
    return slot === EMPTY ? { a: 0, b: 0 } : { a: this.countA[slot], b: this.countB[slot] };
  }

  /** Doubles the per-row arrays. */
  private growRows(): void {
    this.next = grow(this.next, this.next.length * 2, (n) => new Int32Array(n));
    this.paired = grow(this.paired, this.next.length, (n) => new Uint8Array(n));
    if (this.keyed) this.values = grow(this.values, this.next.length * 4, (n) => new Uint32Array(n));
  }

  /** The slot holding `key`, or -1. */
  private find(key: Uint32Array, at: number): number {
    for (let slot = key[at] & this.mask; ; slot = (slot + 1) & this.mask) {
      if (this.countA[slot] === 0 && this.countB[slot] === 0) return EMPTY;
      if (this.holds(slot, key, at)) return slot;
    }
  }

  /** The slot holding `key`, claimed if new (counts at zero). */
  private insert(key: Uint32Array, at: number): number {
    if ((this.size + 1) * 2 > this.mask + 1) this.rehash();
    for (let slot = key[at] & this.mask; ; slot = (slot + 1) & this.mask) {
      if (this.countA[slot] === 0 && this.countB[slot] === 0) {
        this.keys.set(key.subarray(at, at + 4), slot * 4);
        this.size++;
        return slot;
      }
      if (this.holds(slot, key, at)) return slot;
    }
  }

  private holds(slot: number, key: Uint32Array, at: number): boolean {
    const k = this.keys;
    const o = slot * 4;
    return k[o] === key[at] && k[o + 1] === key[at + 1] && k[o + 2] === key[at + 2] && k[o + 3] === key[at + 3];
  }

  /** Doubles the table, moving every entry. */
  private rehash(): void {
    const { keys, countA, countB, cursor, tail } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.keys = new Uint32Array(capacity * 4);
    this.countA = new Uint32Array(capacity);
    this.countB = new Uint32Array(capacity);
    this.cursor = new Int32Array(capacity);
    this.tail = new Int32Array(capacity);
    for (let old = 0; old < countA.length; old++) {
      if (countA[old] === 0 && countB[old] === 0) continue;
      let slot = keys[old * 4] & this.mask;
      while (this.countA[slot] !== 0 || this.countB[slot] !== 0) slot = (slot + 1) & this.mask;
      this.keys.set(keys.subarray(old * 4, old * 4 + 4), slot * 4);
      this.countA[slot] = countA[old];
      this.countB[slot] = countB[old];
      this.cursor[slot] = cursor[old];
      this.tail[slot] = tail[old];
    }
  }
}
