/**
 * The download cache of `hub download` (download.ts), as `hf cache` sees its own: per remote
 * repository a bare cache git directory `$HUB_HOME/repos/<host_port>/<repo>.git` whose branches
 * and tags are the revisions last downloaded, and snapshot folders
 * `$HUB_HOME/snapshots/<host_port>/<repo>/<commit>/` holding copies of the files.
 *
 * A snapshot is *detached* (hf's word) when no branch, tag or HEAD of its cache git directory
 * names its commit any more (the branch moved on at a later download, or `cache rm --revision`
 * removed the ref), or when that git directory is gone. Detached snapshots are what `cache prune`
 * and `hub gc` remove; the content of the others stays in the store (their LFS oids join gc's
 * keep set, besides everything the registered repositories reach).
 */
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { lfsPointersOfCommit } from '../../repo/lfs-oids.js';
import { listBranches, listTags, readHead, resolveRevision } from '../../repo/refs.js';

const COMMIT_RE = /^[0-9a-f]{40}$/;

/** One revision of a cached repository. */
export interface CachedRevision {
  commit: string;
  /** Branches and tags of the cache git directory at this commit (`HEAD` when only HEAD names it). */
  refs: string[];
  /** The snapshot folder, if there is one (downloads with --local-dir leave none). */
  snapshot: string | null;
  /** Bytes of the snapshot folder's files, download records included (0 without one). */
  bytes: number;
  /** Files of the revision in the snapshot folder (not counting download records). */
  files: number;
  /** When the snapshot folder last changed (ms since the epoch; 0 without one). */
  modifiedMs: number;
  /** No ref names it: `cache prune` and `gc` remove its snapshot. */
  detached: boolean;
}

/** One cached repository. */
export interface CachedRepo {
  /** The remote URL (from the cache git directory, else rebuilt from the folder names). */
  remote: string;
  /** `<host_port>/<repo path>`: the folder names under repos/ and snapshots/. */
  key: string;
  type: 'model' | 'dataset';
  /** The cache git directory, if it exists. */
  gitdir: string | null;
  /** Bytes of the cache git directory. */
  gitBytes: number;
  /** Bytes of every snapshot folder. */
  snapshotBytes: number;
  revisions: CachedRevision[];
}

/** The bytes and number of files under `dir` (symlinks counted by their own size, never followed). */
export function folderSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return; // removed meanwhile
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        try {
          bytes += lstatSync(p).size;
          files++;
        } catch {
          /* removed meanwhile */
        }
      }
    }
  };
  walk(dir);
  return { bytes, files };
}

/** Folders below `root` (relative, '/'-separated) for which `stop(path)` is true; it does not descend into them. */
function findFolders(root: string, stop: (abs: string, name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = join(d, e.name);
      if (stop(p, e.name)) out.push(relative(root, p).split(sep).join('/'));
      else walk(p);
    }
  };
  walk(root);
  return out.sort();
}

/** Which commits the refs (and HEAD) of a cache git directory name, with the names. */
async function refsByCommit(gitdir: string): Promise<Map<string, string[]>> {
  const named = new Map<string, string[]>();
  const add = (commit: string, name: string) => named.set(commit, [...(named.get(commit) ?? []), name]);
  for (const b of await listBranches(gitdir)) add(await resolveRevision(gitdir, `refs/heads/${b}`), b);
  for (const t of await listTags(gitdir)) {
    try {
      add(await resolveRevision(gitdir, `refs/tags/${t}`), t);
    } catch {
      /* a tag of something that is not a commit names no snapshot */
    }
  }
  const head = await readHead(gitdir).catch(() => undefined);
  if (head?.detached && head.oid && !named.has(head.oid)) add(head.oid, 'HEAD');
  return named;
}

function remoteOf(gitdir: string | null, key: string): string {
  if (gitdir) {
    const url = /\[remote "origin"\][^[]*?\burl\s*=\s*(\S+)/.exec(readFileSync(join(gitdir, 'config'), 'utf8'))?.[1];
    if (url) return url;
  }
  const [host, ...repo] = key.split('/');
  const m = /^(.*)_(\d+)$/.exec(host);
  return `http://${m ? `${m[1]}:${m[2]}` : host}/${repo.join('/')}`;
}

/** Every cached repository under `home`, sorted by key. */
export async function listCachedRepos(home: string): Promise<CachedRepo[]> {
  const reposRoot = join(home, 'repos');
  const snapsRoot = join(home, 'snapshots');
  const keys = new Set<string>();
  for (const g of findFolders(reposRoot, (abs, name) => name.endsWith('.git') && existsSync(join(abs, 'HEAD')))) keys.add(g.replace(/\.git$/, ''));
  // a snapshot's repository folder is the parent of its commit folders
  for (const s of findFolders(snapsRoot, (_, name) => COMMIT_RE.test(name))) keys.add(s.slice(0, s.lastIndexOf('/')));
  const out: CachedRepo[] = [];
  for (const key of [...keys].sort()) out.push(await cachedRepo(home, key));
  return out;
}

/** The cached repository `key` (`<host_port>/<repo path>`) under `home`. */
export async function cachedRepo(home: string, key: string): Promise<CachedRepo> {
  const gitPath = join(home, 'repos', `${key}.git`);
  const gitdir = existsSync(join(gitPath, 'HEAD')) ? gitPath : null;
  const named = gitdir ? await refsByCommit(gitdir) : new Map<string, string[]>();
  const snapDir = join(home, 'snapshots', key);
  const snapshots = existsSync(snapDir) ? readdirSync(snapDir, { withFileTypes: true }).filter((e) => e.isDirectory() && COMMIT_RE.test(e.name)).map((e) => e.name) : [];
  const revisions: CachedRevision[] = [];
  for (const commit of new Set([...snapshots, ...named.keys()])) {
    const snapshot = snapshots.includes(commit) ? join(snapDir, commit) : null;
    // the per-file records of download-files.ts count in bytes (they are on disk) but are not files of the revision
    const size = snapshot ? { bytes: folderSize(snapshot).bytes, files: folderSize(snapshot).files - folderSize(join(snapshot, '.cache', 'hub')).files } : { bytes: 0, files: 0 };
    revisions.push({ commit, refs: named.get(commit) ?? [], snapshot, ...size, modifiedMs: snapshot ? statSync(snapshot).mtimeMs : 0, detached: !named.has(commit) });
  }
  revisions.sort((a, b) => b.modifiedMs - a.modifiedMs || a.commit.localeCompare(b.commit));
  const repoPath = key.slice(key.indexOf('/') + 1);
  return {
    remote: remoteOf(gitdir, key),
    key,
    type: /(^|\/)datasets\/[^/]+\/[^/]+$/.test(repoPath) ? 'dataset' : 'model',
    gitdir,
    gitBytes: gitdir ? folderSize(gitdir).bytes : 0,
    snapshotBytes: revisions.reduce((n, r) => n + r.bytes, 0),
    revisions,
  };
}

/** The LFS oids of a revision's tree, read from its cache git directory (none if it lacks the commit). */
export async function revisionOids(repo: CachedRepo, commit: string): Promise<string[]> {
  if (!repo.gitdir) return [];
  try {
    return (await lfsPointersOfCommit(repo.gitdir, commit)).map((p) => p.oid);
  } catch {
    return [];
  }
}

/** Removes a snapshot folder (the folder itself last, so an interrupted removal is still found and finished later). */
export function removeSnapshot(path: string): void {
  for (const name of readdirSync(path)) rmSync(join(path, name), { recursive: true, force: true });
  rmSync(path, { recursive: true, force: true });
}
