/**
 * Every branch, remote-tracking branch and tag with the commit it names, for `hub log --all` and
 * the ref decorations of `hub log`. Read through isomorphic-git (loose and packed refs alike);
 * annotated tags are peeled to their commit.
 */
import fs from 'node:fs';
import git from 'isomorphic-git';

/** A ref and the commit it names. */
export interface NamedRef {
  /** Full name: `refs/heads/main`, `refs/remotes/origin/main`, `refs/tags/v1`. */
  ref: string;
  commit: string;
}

/** Branches, remote-tracking branches and tags, sorted by full name (git's iteration order). */
export async function listAllRefs(gitdir: string): Promise<NamedRef[]> {
  const out: NamedRef[] = [];
  for (const prefix of ['refs/heads', 'refs/remotes', 'refs/tags']) {
    let names: string[];
    try {
      names = await git.listRefs({ fs, gitdir, filepath: prefix });
    } catch {
      continue;
    }
    for (const name of names) {
      const ref = `${prefix}/${name}`;
      try {
        let oid = await git.resolveRef({ fs, gitdir, ref });
        for (let i = 0; i < 5; i++) {
          const o = await git.readObject({ fs, gitdir, oid, format: 'parsed' });
          if (o.type !== 'tag') break;
          oid = (o.object as { object: string }).object;
        }
        out.push({ ref, commit: oid });
      } catch {
        /* a dangling ref: git skips it too */
      }
    }
  }
  return out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}
