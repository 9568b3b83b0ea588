/**
 * Progress of one file's content comparison in `hub diff`: the ByteSources handed to the diff
 * modules are wrapped to count the bytes they deliver, and a task reports them (the diff modules
 * themselves stay free of progress and of signals). Small files get no task: they are done before
 * one would show. With a signal, every read first passes a checkpoint, so Ctrl-C stops a long
 * comparison at its next read.
 */
import { pacer } from '../../abort.js';
import type { ByteSource } from '../../diff/byte-source.js';
import type { ProgressSink } from '../../progress.js';

/** Files smaller than this (both sides together) are compared without a progress task. */
const MIN_BYTES = 16 << 20;

/** Runs `compare` on `a` and `b` wrapped so that `progress` sees the bytes read (and `signal` stops reads). */
export async function withReadProgress<T>(progress: ProgressSink, path: string, a: ByteSource | undefined, b: ByteSource | undefined, compare: (a?: ByteSource, b?: ByteSource) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const total = (a?.size ?? 0) + (b?.size ?? 0);
  const reports = total >= MIN_BYTES;
  if (!reports && !signal) return compare(a, b);
  const checkpoint = pacer(signal);
  const id = `diff:${path}`;
  let done = 0;
  let last = 0;
  const add = (n: number): void => {
    done += n;
    if (reports && done - last >= 4 << 20) {
      last = done;
      progress({ type: 'progress', id, done: Math.min(done, total), total });
    }
  };
  const wrap = (s: ByteSource | undefined): ByteSource | undefined =>
    s && {
      name: s.name,
      size: s.size,
      async read(start, end) {
        await checkpoint();
        const bytes = await s.read(start, end);
        add(bytes.length);
        return bytes;
      },
      async *stream() {
        for await (const piece of s.stream()) {
          await checkpoint();
          add(piece.length);
          yield piece;
        }
      },
      ...(s.fingerprint ? { fingerprint: s.fingerprint.bind(s) } : {}),
    };
  if (!reports) return compare(wrap(a), wrap(b));
  progress({ type: 'start', id, label: `Comparing ${path}`, total, unit: 'bytes' });
  try {
    const result = await compare(wrap(a), wrap(b));
    progress({ type: 'end', id, ok: true });
    return result;
  } catch (err) {
    progress({ type: 'end', id, ok: false });
    throw err;
  }
}
