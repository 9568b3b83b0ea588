/** `hub init [DIR]`, `hub track [PATTERN...]`, `hub untrack PATTERN...`. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NotFoundError } from '../../errors.js';
import { addTrackedPattern, removeTrackedPattern, trackedPatterns } from '../../formats/gitattributes.js';
import { initRepo } from '../../repo/repository.js';
import { writeFileAtomic } from '../../fs/atomic-file.js';
import { tmpDirOf } from './materialize.js';
import type { CoreContext } from '../context.js';
import { withStore } from '../store/open-store.js';
import { withRepo } from './repo-session.js';

/** The `--json` shape of `hub init`. */
export interface InitResult {
  path: string;
  reinitialized: boolean;
  branch: string;
}

/** Creates a repository (or reinitialises one) and registers it with the store for gc. */
export async function init(ctx: CoreContext, dir: string | undefined, version: string): Promise<InitResult> {
  const target = resolve(ctx.cwd, dir ?? '.');
  const { paths, existed } = await initRepo(target, version);
  await withStore(ctx, (store) => store.index.registerRepo(paths.workdir));
  return { path: paths.workdir, reinitialized: existed, branch: 'main' };
}

/** The `--json` shape of track and untrack. */
export interface TrackResult {
  patterns: string[];
  added?: string[];
  removed?: string[];
}

function attributesText(workdir: string): string {
  const p = join(workdir, '.gitattributes');
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

/** Lists tracked patterns, or adds `patterns` as `filter=lfs` lines of `.gitattributes`. */
export async function track(ctx: CoreContext, patterns: string[]): Promise<TrackResult> {
  return withRepo(ctx, { lock: patterns.length > 0 }, async (s) => {
    let text = attributesText(s.paths.workdir);
    const added: string[] = [];
    for (const p of patterns) {
      const r = addTrackedPattern(text, p);
      text = r.text;
      if (r.added) added.push(p);
    }
    if (added.length) writeFileAtomic(join(s.paths.workdir, '.gitattributes'), text, { tmpDir: tmpDirOf(s) });
    return { patterns: trackedPatterns(text), ...(patterns.length ? { added } : {}) };
  });
}

/** Removes `patterns` from `.gitattributes`; a pattern that is not tracked is an error (exit 3). */
export async function untrack(ctx: CoreContext, patterns: string[]): Promise<TrackResult> {
  return withRepo(ctx, { lock: true }, async (s) => {
    let text = attributesText(s.paths.workdir);
    const removed: string[] = [];
    for (const p of patterns) {
      const r = removeTrackedPattern(text, p);
      if (!r.removed) throw new NotFoundError(`'${p}' is not a tracked pattern`, { hint: "see 'hub track' for the list" }, 'pattern_not_tracked');
      text = r.text;
      removed.push(p);
    }
    writeFileAtomic(join(s.paths.workdir, '.gitattributes'), text, { tmpDir: tmpDirOf(s) });
    return { patterns: trackedPatterns(text), removed };
  });
}
