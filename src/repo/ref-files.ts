/**
 * Reading a ref the way git stores it, without isomorphic-git: a loose ref file under the git
 * directory (a commit id, or `ref: OTHER` followed), else a line of `packed-refs`. Anything else
 * (a reftable, a damaged file) is left to isomorphic-git by the caller.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const OID_RE = /^[0-9a-f]{40}$/;

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw err;
  }
}

/**
 * The commit id `ref` (e.g. `refs/heads/main`) names: a string; `null` when neither a loose nor a
 * packed ref of that name exists; `undefined` when the files say something this reader does not
 * handle (the caller then asks isomorphic-git).
 */
export function readRefFile(gitdir: string, ref: string): string | null | undefined {
  let name = ref;
  for (let depth = 0; depth < 5; depth++) {
    const loose = readText(join(gitdir, name));
    if (loose !== undefined) {
      const text = loose.trim();
      if (OID_RE.test(text)) return text;
      if (!text.startsWith('ref: ')) return undefined;
      name = text.slice(5).trim();
      continue;
    }
    const packed = readText(join(gitdir, 'packed-refs'));
    if (packed === undefined) return null;
    for (const line of packed.split('\n')) {
      if (line.startsWith('#') || line.startsWith('^')) continue;
      const space = line.indexOf(' ');
      if (space === 40 && line.slice(space + 1).trimEnd() === name) return OID_RE.test(line.slice(0, 40)) ? line.slice(0, 40) : undefined;
    }
    return null;
  }
  return undefined;
}
