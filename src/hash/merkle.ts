/**
 * Xet's Merkle construction over (hash, size) leaves, used for xorb hashes and file hashes
 * (xet-core merklehash::aggregated_hashes; its reference values are in our unit tests).
 *
 * Leaves are grouped with a content-defined fan-out of mean 4: a group ends after the child at
 * index i >= 2 whose hash has `u64(bytes 24..32, LE) % 4 == 0`, or after 9 children, or at the
 * end. A group's node hash is keyed BLAKE3 (INTERNAL_NODE_KEY) over the text
 * "<xet hex of child> : <child size>\n" for each child; its size is the sum. Levels repeat
 * until one node remains. A file hash is that root keyed-hashed again with a 32-byte salt
 * (all zeros for hub and Xet).
 */
import type { KeyedBlake3 } from './blake3.js';
import { xetHex } from './xet-hex.js';

/** A Merkle leaf or node: 32-byte hash and the number of bytes below it. */
export interface MerkleEntry {
  hash: Uint8Array;
  size: number;
}

const MEAN_BRANCHING = 4;
const MAX_CHILDREN = 2 * MEAN_BRANCHING + 1;
const encoder = new TextEncoder();

function nextCut(entries: readonly MerkleEntry[], start: number): number {
  const left = entries.length - start;
  if (left <= 2) return left;
  const end = Math.min(MAX_CHILDREN, left);
  for (let i = 2; i < end; i++) {
    // h % 4 of xet's DataHash takes the fourth little-endian u64: its low bits are byte 24.
    if ((entries[start + i].hash[24] & (MEAN_BRANCHING - 1)) === 0) return i + 1;
  }
  return end;
}

function nodeOf(entries: readonly MerkleEntry[], start: number, end: number, node: KeyedBlake3): MerkleEntry {
  let text = '';
  let size = 0;
  for (let i = start; i < end; i++) {
    text += `${xetHex(entries[i].hash)} : ${entries[i].size}\n`;
    size += entries[i].size;
  }
  return { hash: node.hash(encoder.encode(text)), size };
}

/**
 * The Merkle root of `entries` (xet-core cas_node_hash): the xorb hash when the entries are a
 * xorb's chunks. Empty input gives 32 zero bytes. `node` must be keyed with INTERNAL_NODE_KEY.
 */
export function merkleRoot(entries: readonly MerkleEntry[], node: KeyedBlake3): Uint8Array {
  if (entries.length === 0) return new Uint8Array(32);
  let level: readonly MerkleEntry[] = entries;
  while (level.length > 1) {
    const next: MerkleEntry[] = [];
    for (let start = 0; start < level.length; ) {
      const end = start + nextCut(level, start);
      next.push(nodeOf(level, start, end, node));
      start = end;
    }
    level = next;
  }
  return level[0].hash;
}

/**
 * The Xet file hash of a file whose chunks are `entries`: the Merkle root keyed-hashed with
 * `salt` (32 zero bytes by default). `salted` must be keyed with that salt. Empty files hash to
 * 32 zero bytes, as in xet-core.
 */
export function fileHashFromRoot(root: Uint8Array, entryCount: number, salted: KeyedBlake3): Uint8Array {
  if (entryCount === 0) return new Uint8Array(32);
  return salted.hash(root);
}

/**
 * The Merkle root built leaf by leaf, equal to {@link merkleRoot} of the same leaves, holding only
 * each level's open group (at most MAX_CHILDREN entries per level): memory does not grow with the
 * number of leaves, where a list of every chunk of a 10 GiB file held 160,000 entries. A group
 * closes as nextCut would close it: after its child i >= 2 whose hash cuts, or after MAX_CHILDREN;
 * the last group of a level closes at the end, and a level of one entry is the root.
 */
export class MerkleBuilder {
  /** Per level: its open group, and how many entries the level received. */
  private readonly levels: Array<{ group: MerkleEntry[]; count: number }> = [];

  constructor(private readonly node: KeyedBlake3) {}

  /** Leaves pushed so far. */
  get leaves(): number {
    return this.levels[0]?.count ?? 0;
  }

  /** Adds the next leaf (its hash is copied). */
  push(hash: Uint8Array, size: number): void {
    this.add(0, { hash: Uint8Array.from(hash), size });
  }

  /** The root of the leaves pushed (32 zero bytes for none); the builder is spent. */
  root(): Uint8Array {
    for (let k = 0; k < this.levels.length; k++) {
      const level = this.levels[k];
      if (level.count === 1) return level.group[0].hash; // a level of one entry (no group ever closed)
      if (level.group.length) this.close(k);
    }
    return new Uint8Array(32);
  }

  private add(k: number, entry: MerkleEntry): void {
    const level = (this.levels[k] ??= { group: [], count: 0 });
    level.group.push(entry);
    level.count++;
    const i = level.group.length - 1;
    if (level.group.length === MAX_CHILDREN || (i >= 2 && (entry.hash[24] & (MEAN_BRANCHING - 1)) === 0)) this.close(k);
  }

  private close(k: number): void {
    const { group } = this.levels[k];
    this.levels[k].group = [];
    this.add(k + 1, nodeOf(group, 0, group.length, this.node));
  }
}

/** The hashers the Merkle functions need, created once and reused. */
export interface MerkleHashers {
  node: KeyedBlake3;
  fileSalt: KeyedBlake3;
}

/** Xorb hash of a chunk list. */
export function xorbHash(chunks: readonly MerkleEntry[], hashers: MerkleHashers): Uint8Array {
  return merkleRoot(chunks, hashers.node);
}

/** Xet file hash of a chunk list (zero salt). */
export function fileHash(chunks: readonly MerkleEntry[], hashers: MerkleHashers): Uint8Array {
  return fileHashFromRoot(merkleRoot(chunks, hashers.node), chunks.length, hashers.fileSalt);
}

