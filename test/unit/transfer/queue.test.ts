import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NetworkError, UsageError } from '../../../src/errors.js';
import { ChunkHashList } from '../../../src/hash/chunk-hash-list.js';
import { TransferQueue } from '../../../src/transfer/queue.js';
import { planSpans, type RemoteRun } from '../../../src/transfer/xorb-spans.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every .ts file under `dir`, as [path relative to the repository, text]. */
function sources(dir: string): Array<[string, string]> {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [[path, readFileSync(path, 'utf8')] as [string, string]] : [];
  });
}

describe('the transfer queue owns retries, slots and span planning', () => {
  it('only the queue retries transfer requests: adapters, clients and core call withRetries nowhere', () => {
    const callers = [...sources('src/transfer'), ...sources('src/core')].filter(([, text]) => text.includes('withRetries(')).map(([path]) => path).sort();
    // hf-api.ts is the Hugging Face API client (whoami, repo info) and hf-commit-client.ts retries
    // only the preupload question (never the commit, which must not be sent twice): not transfers
    expect(callers).toEqual(['src/transfer/hf-api.ts', 'src/transfer/hf-commit-client.ts', 'src/transfer/queue.ts']);
  });

  it('core has no downloader of its own: xorb ranges are fetched and parsed only by the hub-chunks adapter', () => {
    const offenders = sources('src/core').filter(([, text]) => /\.range\(|parseXorbRecords|downloadTerms|inOrder\(/.test(text)).map(([path]) => path);
    expect(offenders).toEqual([]);
  });

  it('inSlot retries a retriable failure inside its slot, and never more than `concurrency` requests run', async () => {
    const q = new TransferQueue({ concurrency: 2, attempts: 3 });
    let running = 0;
    let most = 0;
    const tries = new Map<number, number>();
    const results = await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        q.inSlot(async () => {
          running++;
          most = Math.max(most, running);
          await sleep(5);
          running--;
          const n = (tries.get(i) ?? 0) + 1;
          tries.set(i, n);
          if (i % 2 === 0 && n === 1) throw new NetworkError('dropped', { retriable: true });
          return i * 10;
        }),
      ),
    );
    expect(results).toEqual([0, 10, 20, 30, 40]);
    expect(most).toBe(2);
    expect([...tries.entries()].sort()).toEqual([[0, 2], [1, 1], [2, 2], [3, 1], [4, 2]]);
  });

  it('a failure that is not retriable is thrown at once', async () => {
    const q = new TransferQueue({ attempts: 5 });
    let n = 0;
    await expect(q.retried(async () => { n++; throw new UsageError('bad'); })).rejects.toBeInstanceOf(UsageError);
    expect(n).toBe(1);
  });

  it('an aborted queue starts nothing: the request is not run and the reason is thrown', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const q = new TransferQueue({ signal: controller.signal });
    let ran = false;
    await expect(q.inSlot(async () => { ran = true; })).rejects.toThrow('stop');
    expect(ran).toBe(false);
  });

  it('ordered yields in order through retries', async () => {
    const q = new TransferQueue({ concurrency: 3, attempts: 2 });
    const failed = new Set<number>();
    const jobs = Array.from({ length: 9 }, (_, i) => async () => {
      await sleep((9 - i) % 4);
      if (i % 3 === 0 && !failed.has(i)) {
        failed.add(i);
        throw new NetworkError('reset', { retriable: true });
      }
      return i;
    });
    const out: number[] = [];
    for await (const v of q.ordered(jobs)) out.push(v);
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('planSpans', () => {
  // each run's one hash is 32 bytes of its letter's code, shown back as that letter
  const run = (url: string, start: number, end: number, hash: string): { run: RemoteRun } => ({ run: { url, start, end, hashes: ChunkHashList.of([new Uint8Array(32).fill(hash.charCodeAt(0))]) } });
  const letters = (l: ChunkHashList): string => Array.from({ length: l.length }, (_, i) => String.fromCharCode(l.at(i)![0])).join('');

  it('coalesces neighbouring runs of one xorb, breaks at local items, gaps and other xorbs, and cuts pieces', () => {
    const steps = planSpans<string>([run('x', 0, 10, 'a'), run('x', 10, 30, 'b'), { local: 'L' }, run('x', 30, 40, 'c'), run('x', 50, 55, 'd'), run('y', 55, 60, 'e')], 12);
    const shown = steps.map((s) => ('local' in s ? s.local : `${s.span.url}[${s.from},${s.to})${s.last ? '!' : ''}:${letters(s.span.hashes)}`));
    expect(shown).toEqual(['x[0,12):ab', 'x[12,24):ab', 'x[24,30)!:ab', 'L', 'x[30,40)!:c', 'x[50,55)!:d', 'y[55,60)!:e']);
  });
});
