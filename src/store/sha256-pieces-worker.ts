/**
 * Worker thread: the SHA-256s of objects another thread sends (store/sha256-pieces.ts). Each
 * message names a hash by id and, in order, either pieces of shared memory to hash next
 * (`{ id, sab, spans: [offset, length, ...] }`, answered `{ id, read: true }` once hashed, so the
 * sender may reuse that memory), the end (`{ id, end: true }`, answered `{ id, digest }`) or that
 * the hash is dropped (`{ id, drop: true }`, not answered).
 */
import { parentPort } from 'node:worker_threads';
import { createSha256, type Sha256 } from '../hash/sha256.js';

/** A message from the sending thread. */
interface PiecesMessage {
  id: number;
  sab?: SharedArrayBuffer;
  spans?: number[];
  end?: boolean;
  drop?: boolean;
}

const hashes = new Map<number, Sha256>();

parentPort!.on('message', (m: PiecesMessage) => {
  if (m.drop) {
    hashes.delete(m.id);
    return;
  }
  let hash = hashes.get(m.id);
  if (!hash) hashes.set(m.id, (hash = createSha256()));
  if (m.sab && m.spans) {
    for (let i = 0; i < m.spans.length; i += 2) hash.update(new Uint8Array(m.sab, m.spans[i], m.spans[i + 1]));
    parentPort!.postMessage({ id: m.id, read: true });
  }
  if (m.end) {
    hashes.delete(m.id);
    parentPort!.postMessage({ id: m.id, digest: hash.digest('hex') });
  }
});
