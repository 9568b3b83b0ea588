/**
 * The term layouts (store/chunk-api.ts) of the files a worker thread answered reconstructions for
 * last: a `hub diff` over Xet asks for the reconstruction of one byte range after another of the
 * same file, and each answer needs the layout of the whole file (every xorb's record headers, and
 * with hub's extension the chunk hashes), which would otherwise be read again for every range.
 * Keyed by the manifest's terms (xorbs are immutable, so equal terms have equal layouts), at most
 * a few files per thread.
 */
import type { FileManifest } from '../formats/manifest.js';
import type { FetchTerm, TermLayout } from '../store/chunk-api.js';

/** Files whose layouts a thread keeps. */
const FILES = 4;

/** The layouts a worker thread keeps; see the module comment. */
export class LayoutCache {
  private readonly entries = new Map<string, Promise<TermLayout[] | FetchTerm[]>>();

  /** The layouts of `manifest` (with chunk hashes when `hashes`; layouts with hashes serve either), from `load` the first time. */
  get<T extends TermLayout[] | FetchTerm[]>(manifest: FileManifest, hashes: boolean, load: () => Promise<T>): Promise<T> {
    const terms = `${manifest.oid}:${manifest.terms.map((t) => `${t.xorb}/${t.chunkStart}/${t.chunkEnd}`).join(',')}`;
    const withHashes = `h:${terms}`;
    const key = hashes || !this.entries.has(withHashes) ? `${hashes ? 'h' : 'l'}:${terms}` : withHashes;
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // most recently used last
    } else {
      entry = load();
      entry.catch(() => this.entries.delete(key)); // a failure is not kept
    }
    this.entries.set(key, entry);
    while (this.entries.size > FILES) this.entries.delete(this.entries.keys().next().value!);
    return entry as Promise<T>;
  }
}
