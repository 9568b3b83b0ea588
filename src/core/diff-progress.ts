/**
 * Progress of one file's content comparison in `hub diff`: the ByteSources handed to the diff
 * modules are wrapped to count the bytes they deliver, and a task reports them (the diff modules
 * themselves stay free of progress). Small files get no task: they are done before one would show.
 */
import type { ByteSource } from '../diff/byte-source.js';
import type { ProgressSink } from '../progress.js';

/** Files smaller than this (both sides together) are compared without a progress task. */
const MIN_BYTES = 16 << 20;

/** Runs `compare` on `a` and `b` wrapped so that `progress` sees the bytes read. */
export async function withReadProgress<T>(progress: ProgressSink, path: string, a: ByteSource | undefined, b: ByteSource | undefined, compare: (a?: ByteSource, b?: ByteSource) => Promise<T>): Promise<T> {
  const total = (a?.size ?? 0) + (b?.size ?? 0);
  if (total < MIN_BYTES) return compare(a, b);
  const id = `diff:${path}`;
  let done = 0;
  let last = 0;
  const add = (n: number): void => {
    done += n;
    if (done - last >= 4 << 20) {
      last = done;
      progress({ type: 'progress', id, done: Math.min(done, total), total });
    }
  };
  const wrap = (s: ByteSource | undefined): ByteSource | undefined =>
    s && {
      name: s.name,
      size: s.size,
      async read(start, end) {
        const bytes = await s.read(start, end);
        add(bytes.length);
        return bytes;
      },
      async *stream() {
        for await (const piece of s.stream()) {
          add(piece.length);
          yield piece;
        }
      },
      ...(s.fingerprint ? { fingerprint: s.fingerprint.bind(s) } : {}),
    };
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
