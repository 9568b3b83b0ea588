/**
 * The names git refuses in trees because some file system reads them as `.git` (fsck.c's
 * hasDotgit, with utf8.c's is_hfs_dotgit and path.c's is_ntfs_dotgit, git 2.39): on HFS+,
 * `.git` with "ignorable" code points anywhere (`.git\u200c`) and in any case; on NTFS, `.git`
 * followed by spaces and dots (`.git.`, `.git ..`), an alternate data stream (`.git::$INDEX`),
 * or the short name `git~1`, in any case. A push with such a name fails `receive.fsckObjects`;
 * trees the server writes itself (the HF commit API) must be refused the same way, before git
 * is asked to build them.
 */

/** Code points HFS+ ignores when it compares names (utf8.c next_hfs_char). */
const HFS_IGNORABLE = new Set([0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x206a, 0x206b, 0x206c, 0x206d, 0x206e, 0x206f, 0xfeff]);

/** Whether HFS+ would take the path component `name` for `.git`. */
export function isHfsDotGit(name: string): boolean {
  const wanted = '.git';
  let at = 0;
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    if (HFS_IGNORABLE.has(cp)) continue;
    if (at >= wanted.length) return false;
    if (cp > 127 || ch.toLowerCase() !== wanted[at]) return false;
    at++;
  }
  return at === wanted.length;
}

/** Whether NTFS would take the path component `name` for `.git` (backslashes count as separators, as in git). */
export function isNtfsDotGit(name: string): boolean {
  for (const part of name.split('\\')) {
    let rest: string;
    if (/^\.git/i.test(part)) rest = part.slice(4);
    else if (/^git~1/i.test(part)) rest = part.slice(5);
    else continue;
    // what follows may only be spaces and dots, up to the end or an alternate data stream
    const end = rest.indexOf(':');
    if (/^[ .]*$/.test(end < 0 ? rest : rest.slice(0, end))) return true;
  }
  return false;
}

/** Why the path component `name` may not be in a tree the server writes, or undefined when it may. */
export function badTreeName(name: string): string | undefined {
  if (name.includes('\\')) return "'\\' is not allowed (Windows clients read it as a directory separator)";
  if (isHfsDotGit(name) || isNtfsDotGit(name)) return "a name some file systems read as '.git' is not allowed";
  return undefined;
}
