/** What the HF read routes (hf-read.ts, hf-resolve.ts) are given by the server. */
import type { BufferPool } from '../fs/buffer-pool.js';
import type { Store } from '../store/store.js';
import type { Identity } from './access.js';
import type { Metadata } from './metadata.js';

/** What the read handlers need from the server. */
export interface HfReadContext {
  meta: Metadata;
  store: Store;
  /** The server root: bare repositories live under `<root>/repos`. */
  root: string;
  id: Identity;
  /** `http://host:port` as the client reached the server (absolute `Link` URLs). */
  baseUrl: string;
  /** The server is a Xet CAS: resolve answers name a large file's Xet hash and token route (hf-resolve.ts). */
  xet?: boolean;
  /** The server's send buffers: a large file's bytes are read into them (send-object.ts). */
  sendBuffers: BufferPool;
}
