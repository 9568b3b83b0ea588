/**
 * The refs of a bare repository read from its files (`HEAD`, loose refs under `refs/`,
 * `packed-refs`), without starting git: a page that lists branches or resolves a branch name
 * costs a few small file reads. Loose refs win over packed ones, as in git. Anything this reader
 * does not understand (the reftable format, a symbolic ref other than HEAD, a malformed file)
 * throws, and the caller asks git instead.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What the ref files say: HEAD (a branch it points at, or a detached commit) and every ref under refs/. */
export interface RefFiles {
  /** `refs/heads/main` when HEAD is symbolic. */
  headRef?: string;
  /** The commit of a detached HEAD. */
  headOid?: string;
  /** Full ref name to the object it names (a commit, or a tag object for annotated tags). */
  refs: Map<string, string>;
}

const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

async function optional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/** Loose refs below `dir` (the folder of `prefix`, e.g. `refs/heads`). */
async function loose(bareDir: string, prefix: string, out: Map<string, string>): Promise<void> {
  let names: string[];
  try {
    names = await readdir(join(bareDir, prefix));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names) {
    if (name.endsWith('.lock')) continue; // a ref being written: its old value is in the file beside it
    const ref = `${prefix}/${name}`;
    if ((await stat(join(bareDir, ref))).isDirectory()) {
      await loose(bareDir, ref, out);
      continue;
    }
    const text = (await optional(join(bareDir, ref)))?.trim();
    if (text === undefined) continue; // deleted meanwhile
    if (!OID.test(text)) throw new Error(`unusual ref file ${ref}`);
    out.set(ref, text);
  }
}

/** Reads HEAD and the refs under `refs/heads` and `refs/tags`. */
export async function readRefFiles(bareDir: string): Promise<RefFiles> {
  if ((await optional(join(bareDir, 'reftable', 'tables.list'))) !== undefined) throw new Error('reftable repository');
  const head = (await optional(join(bareDir, 'HEAD')))?.trim() ?? '';
  const out: RefFiles = { refs: new Map() };
  if (OID.test(head)) out.headOid = head;
  else {
    const m = /^ref: (refs\/heads\/\S+)$/.exec(head);
    if (!m || m[1].split('/').some((s) => s === '' || s === '..' || s === '.')) throw new Error('unusual HEAD');
    out.headRef = m[1];
  }
  // packed first, then loose refs override them
  for (const line of ((await optional(join(bareDir, 'packed-refs'))) ?? '').split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const [oid, ref] = line.split(' ');
    if (!OID.test(oid) || !ref) throw new Error('unusual packed-refs');
    if (ref.startsWith('refs/heads/') || ref.startsWith('refs/tags/')) out.refs.set(ref, oid);
  }
  const looseRefs = new Map<string, string>();
  await loose(bareDir, 'refs/heads', looseRefs);
  await loose(bareDir, 'refs/tags', looseRefs);
  for (const [ref, oid] of looseRefs) out.refs.set(ref, oid);
  return out;
}
