/** Remotes in `.git/config` (`[remote "NAME"] url = ...`, fetch refspec as git writes it). */
import fs from 'node:fs';
import git from 'isomorphic-git';

/** A configured remote. */
export interface Remote {
  name: string;
  url: string;
}

/** The remotes of the repository, by name. */
export async function listRemotes(gitdir: string): Promise<Remote[]> {
  return (await git.listRemotes({ fs, gitdir })).map((r) => ({ name: r.remote, url: r.url })).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Adds a remote (with git's default fetch refspec); false when the name is taken. */
export async function addRemote(gitdir: string, name: string, url: string): Promise<boolean> {
  if ((await listRemotes(gitdir)).some((r) => r.name === name)) return false;
  await git.addRemote({ fs, gitdir, remote: name, url });
  return true;
}

/** Removes a remote; false when there is none of that name. */
export async function removeRemote(gitdir: string, name: string): Promise<boolean> {
  if (!(await listRemotes(gitdir)).some((r) => r.name === name)) return false;
  await git.deleteRemote({ fs, gitdir, remote: name });
  return true;
}
