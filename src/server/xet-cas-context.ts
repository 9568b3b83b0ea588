/** The context of the Xet CAS handlers (xet-cas.ts routes, xet-download.ts and xet-upload.ts serve). */
import type { BufferPool } from '../fs/buffer-pool.js';
import type { Store } from '../store/store.js';
import type { JobRunner } from './hf-commit.js';
import type { Metadata } from './metadata.js';
import type { XetTokens } from './xet-tokens.js';

/** What the CAS handlers need. */
export interface XetCasContext {
  store: Store;
  meta: Metadata;
  tokens: XetTokens;
  /** Where uploads wait while a worker checks them. */
  tmpDir: string;
  /** The server's base URL (fetch URLs are built on it). */
  base: string;
  /** Runs verification and reads of xorb headers on the server's worker threads. */
  jobs: JobRunner;
  sendBuffers?: BufferPool;
  /** Reconstructions hand presigned URLs of the object store instead of the server's fetch URLs (`hub serve --presigned-downloads`). */
  presignedDownloads?: boolean;
}
