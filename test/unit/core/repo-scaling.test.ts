/**
 * Issue 12, point 3, guarded without a clock: the work the repository commands do on the index
 * grows linearly with the number of files. Every visit of an index entry (each item an
 * IndexEntries iterator yields, each lookup, each change) is counted while add -A, status,
 * commit and a checkout run on N and on 2N files; twice the files must cost at most about twice
 * the visits. (`hub commit` once copied the whole index for every entry: at 150 files that is
 * 22,500 visits, at 300 files 90,000, a ratio of 4.) Status on a clean tree walks the index in
 * place without IndexEntries (no visits at all); with staged changes it compares the parsed index
 * with HEAD. The timed figures are test/bench/many-files.mjs.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { add } from '../../../src/core/worktree/add.js';
import { switchBranch } from '../../../src/core/worktree/checkout.js';
import { commit } from '../../../src/core/worktree/commit.js';
import type { CoreContext } from '../../../src/core/context.js';
import { init } from '../../../src/core/worktree/init-track.js';
import { status } from '../../../src/core/worktree/status.js';
import { silentProgress } from '../../../src/progress.js';
import { IndexEntries } from '../../../src/repo/index-entries.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };

let visits = 0;
const proto = IndexEntries.prototype as unknown as Record<string | symbol, (...args: unknown[]) => unknown>;
const originals = new Map<string | symbol, (...args: unknown[]) => unknown>();

/** Counts every entry IndexEntries hands out or changes, until {@link uncount}. */
function count(): void {
  for (const name of ['values', 'keys', 'paths', Symbol.iterator]) {
    const original = proto[name];
    originals.set(name, original);
    proto[name] = function* (this: unknown, ...args: unknown[]) {
      for (const item of original.apply(this, args) as Iterable<unknown>) {
        visits++;
        yield item;
      }
    };
  }
  for (const name of ['get', 'has', 'set', 'delete', 'isUnmerged']) {
    const original = proto[name];
    originals.set(name, original);
    proto[name] = function (this: unknown, ...args: unknown[]) {
      visits++;
      return original.apply(this, args);
    };
  }
  for (const name of ['all', 'unmerged']) {
    const original = proto[name];
    originals.set(name, original);
    proto[name] = function (this: unknown, ...args: unknown[]) {
      const out = original.apply(this, args) as unknown[];
      visits += out.length;
      return out;
    };
  }
}

function uncount(): void {
  for (const [name, original] of originals) proto[name] = original;
  originals.clear();
}

afterEach(uncount);

/** Index visits of each command on a repository of `n` small files in folders of 10. */
async function visitsFor(n: number): Promise<Record<string, number>> {
  const dir = tmpDir();
  const ctx: CoreContext = { cwd: dir, env: { ...ID, HUB_HOME: tmpDir() }, progress: silentProgress };
  await init(ctx, undefined, 'test');
  for (let i = 0; i < n; i++) {
    mkdirSync(join(dir, 'data', `d${Math.floor(i / 10)}`), { recursive: true });
    writeFileSync(join(dir, 'data', `d${Math.floor(i / 10)}`, `f${i}.txt`), `file ${i}\n`);
  }
  const out: Record<string, number> = {};
  const measure = async (name: string, fn: () => Promise<unknown>) => {
    visits = 0;
    count();
    try {
      await fn();
    } finally {
      uncount();
    }
    out[name] = visits;
  };
  await measure('add -A', () => add(ctx, [], { all: true }));
  await measure('commit', () => commit(ctx, { message: 'many' }));
  await measure('status', () => status(ctx));
  await switchBranch(ctx, 'other', { create: true });
  for (let i = 0; i < n; i += 10) appendFileSync(join(dir, 'data', `d${Math.floor(i / 10)}`, `f${i}.txt`), 'changed\n');
  await add(ctx, [], { all: true });
  // staged changes: status compares the parsed index with HEAD's tree
  await measure('status (staged)', () => status(ctx));
  await commit(ctx, { message: 'other' });
  await measure('checkout', () => switchBranch(ctx, 'main', {}));
  return out;
}

describe('repository commands do linear work on the index', () => {
  it('twice the files cost at most about twice the index visits (add -A, commit, status, checkout)', async () => {
    const small = await visitsFor(150);
    const large = await visitsFor(300);
    console.log('index visits at 150 and 300 files:', JSON.stringify({ small, large }));
    expect(Object.keys(large).sort()).toEqual(['add -A', 'checkout', 'commit', 'status', 'status (staged)']);
    // a clean tree's status reads the index in place (git-index-layout.ts) and never builds IndexEntries
    expect([small.status, large.status]).toEqual([0, 0]);
    for (const [name, n] of Object.entries(large)) {
      if (name === 'status') continue;
      expect(small[name], `${name} visits the index`).toBeGreaterThan(0);
      expect(n / small[name], `${name}: ${small[name]} visits at 150 files, ${n} at 300`).toBeLessThanOrEqual(2.3);
    }
  });
});
