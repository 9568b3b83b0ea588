/**
 * The tensors and metadata of one version of a tensor file, read through a ByteSource: only the
 * header (8 bytes then N for safetensors; growing prefixes for GGUF until the parser has enough).
 * A sharded checkpoint lists the tensors of every shard its index names, each with its shard.
 */
import { FormatError } from '../errors.js';
import { parseGgufHeader } from '../formats/gguf.js';
import { parseSafetensorsHeader, parseSafetensorsIndex, safetensorsHeaderLength } from '../formats/safetensors.js';
import { quoteValue } from '../formats/quote-value.js';
import type { ByteSource } from './byte-source.js';
import { ggufMetadataJson } from './tensor-metadata.js';
import type { JsonValue } from './tensor-diff-types.js';

/** A tensor and where its bytes are: [begin, end) of `source`. */
export interface ListedTensor {
  name: string;
  dtype: string;
  shape: number[];
  source: ByteSource;
  begin: number;
  end: number;
}

/** The tensors of one version by name, and its metadata. */
export interface TensorListing {
  tensors: Map<string, ListedTensor>;
  metadata: Map<string, JsonValue>;
}

/** Bytes of the first GGUF read; a larger header is read in growing steps. */
export const GGUF_FIRST_READ = 64 * 1024;
/** Largest index file read (an index lists names and shard files: a few hundred KiB). */
const MAX_INDEX_BYTES = 100_000_000;

/** Bytes [start, end) of `src`, all of them, or a FormatError naming the file. */
export async function readRange(src: ByteSource, start: number, end: number): Promise<Uint8Array> {
  const bytes = await src.read(start, end);
  if (bytes.length !== end - start) {
    throw new FormatError(`${src.name}: truncated: read of bytes [${start}, ${end}) returned ${bytes.length}`, { data: { file: src.name } }, 'truncated_file');
  }
  return bytes;
}

/** The tensors and `__metadata__` of a safetensors file. */
export async function listSafetensors(src: ByteSource): Promise<TensorListing> {
  const n = safetensorsHeaderLength(await src.read(0, Math.min(8, src.size)), src.size, src.name);
  const header = parseSafetensorsHeader(await readRange(src, 8, 8 + n), src.size, src.name);
  const tensors = new Map<string, ListedTensor>();
  for (const t of header.tensors) tensors.set(t.name, { ...t, source: src });
  return { tensors, metadata: new Map(Object.entries(header.metadata)) };
}

/** The tensors and key/values of a GGUF file. */
export async function listGguf(src: ByteSource): Promise<TensorListing> {
  let have = await src.read(0, Math.min(GGUF_FIRST_READ, src.size));
  for (;;) {
    const parsed = parseGgufHeader(have, src.size, src.name);
    if ('header' in parsed) {
      const tensors = new Map<string, ListedTensor>();
      for (const t of parsed.header.tensors) {
        tensors.set(t.name, { name: t.name, dtype: t.dtype, shape: t.shape, source: src, begin: t.begin, end: t.end });
      }
      const metadata = new Map<string, JsonValue>();
      for (const [key, kv] of parsed.header.metadata) metadata.set(key, ggufMetadataJson(kv.value));
      return { tensors, metadata };
    }
    // Doubling keeps the number of reads (and re-parses) logarithmic in the header size.
    const end = Math.min(src.size, Math.max(parsed.need, have.length * 2));
    if (end <= have.length) throw new FormatError(`${src.name}: GGUF header needs ${parsed.need} bytes of ${src.size}`, { data: { file: src.name } }, 'bad_gguf');
    const more = await readRange(src, have.length, end);
    const grown = new Uint8Array(end);
    grown.set(have);
    grown.set(more, have.length);
    have = grown;
  }
}

/**
 * The tensors of a sharded checkpoint: `index` is its `*.safetensors.index.json`, `open` gives a
 * shard by the file name the index uses (undefined when it does not exist). Metadata is the
 * index's `metadata` object; the shards' own `__metadata__` is not compared.
 */
export async function listSharded(index: ByteSource, open: (shard: string) => Promise<ByteSource | undefined>): Promise<TensorListing> {
  if (index.size > MAX_INDEX_BYTES) {
    throw new FormatError(`${index.name}: safetensors index of ${index.size} bytes is over the ${MAX_INDEX_BYTES}-byte limit`, { data: { file: index.name } }, 'bad_safetensors');
  }
  const parsed = parseSafetensorsIndex(await readRange(index, 0, index.size), index.name);
  const byShard = new Map<string, string[]>();
  for (const [tensor, shard] of Object.entries(parsed.weightMap)) {
    const list = byShard.get(shard) ?? [];
    list.push(tensor);
    byShard.set(shard, list);
  }
  const tensors = new Map<string, ListedTensor>();
  for (const shard of [...byShard.keys()].sort()) {
    const src = await open(shard);
    if (src === undefined) {
      throw new FormatError(`${index.name}: shard ${quoteValue(shard)} named by the index does not exist`, { data: { file: index.name, shard } }, 'missing_shard');
    }
    const listing = await listSafetensors(src);
    for (const name of byShard.get(shard) ?? []) {
      const t = listing.tensors.get(name);
      if (t === undefined) {
        throw new FormatError(`${src.name}: tensor ${quoteValue(name)} that ${index.name} places in this shard is not in it`, { data: { file: src.name } }, 'bad_safetensors');
      }
      tensors.set(name, t);
    }
  }
  const metadata = new Map<string, JsonValue>(Object.entries(parsed.metadata as Record<string, JsonValue>));
  return { tensors, metadata };
}

/** A ByteSource that adds the length of everything read from `src` to `counter.bytes`. */
export function countingSource(src: ByteSource, counter: { bytes: number }): ByteSource {
  const counted: ByteSource = {
    name: src.name,
    size: src.size,
    read: async (start, end) => {
      const bytes = await src.read(start, end);
      counter.bytes += bytes.length;
      return bytes;
    },
    stream: async function* () {
      for await (const piece of src.stream()) {
        counter.bytes += piece.length;
        yield piece;
      }
    },
  };
  if (src.fingerprint) counted.fingerprint = src.fingerprint.bind(src);
  return counted;
}
