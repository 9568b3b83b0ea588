/**
 * isomorphic-git, loaded on first use. Loading it (with pako and its other dependencies) costs a
 * noticeable part of a short command's run; `hub status` and `hub commit` on a repository whose
 * objects are loose never need it, so they never load it.
 */
type IsoGit = typeof import('isomorphic-git').default;

/** The isomorphic-git API (the module system caches it after the first call). */
export async function isoGit(): Promise<IsoGit> {
  return (await import('isomorphic-git')).default;
}
