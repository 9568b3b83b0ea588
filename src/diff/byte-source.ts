/**
 * What the diff modules read: one version of one file, with random access. The core gives a
 * ByteSource for a working-tree file, for an object in the store, or for an object of a remote
 * whose chunks are fetched into the store on demand; the diff code never knows which. Reads
 * should ask for what they need only (a safetensors header, a changed tensor's range), because
 * for a remote source every byte read may be a byte fetched.
 */

/** Random access to the bytes of one version of a file. */
export interface ByteSource {
  /** How the file is named in messages and output, e.g. `model.safetensors@a1b2c3d`. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
  /** Bytes [start, end) (end clamped to size); rejects with a HubError when they cannot be read. */
  read(start: number, end: number): Promise<Uint8Array>;
  /** The whole content in order, in pieces of any size (for tables and text). */
  stream(): AsyncIterable<Uint8Array>;
  /**
   * A fingerprint of bytes [start, end), when the source can give one from the content-defined
   * chunks of a stored object. Without `exact` it reads nothing (the hashes of the chunks the
   * range overlaps, and where in them it starts and ends); with `exact` it may read the bytes of
   * the two edge chunks, so a range whose edge chunks also hold changed neighbouring bytes can
   * still match. Equal fingerprints of the same kind mean equal bytes; different or missing ones
   * mean nothing (compare the bytes then).
   */
  fingerprint?(start: number, end: number, exact?: boolean): Promise<string | undefined>;
}

/** A ByteSource over bytes in memory (tests, small files, `--no-index` of small inputs). */
export function bufferSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.length,
    read: async (start, end) => bytes.subarray(Math.max(0, start), Math.min(bytes.length, end)),
    stream: async function* () {
      for (let at = 0; at < bytes.length; at += 1 << 20) yield bytes.subarray(at, Math.min(bytes.length, at + (1 << 20)));
    },
  };
}
