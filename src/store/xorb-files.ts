/** Listing the temporary files writers leave (xorbs are listed by the XorbBackend). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TMP_SUFFIX } from '../fs/atomic-file.js';
import type { StorePaths } from './paths.js';

/** Temporary files left by writers (in tmp/ and beside manifests), with the pid that made them. */
export function listTmpFiles(paths: StorePaths): Array<{ path: string; pid: number; mtimeMs: number }> {
  const out: Array<{ path: string; pid: number; mtimeMs: number }> = [];
  const dirs = [paths.tmp];
  if (existsSync(paths.manifests)) for (const fan of readdirSync(paths.manifests)) dirs.push(join(paths.manifests, fan));
  if (existsSync(paths.xorbs)) for (const fan of readdirSync(paths.xorbs)) dirs.push(join(paths.xorbs, fan));
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (!name.endsWith(TMP_SUFFIX)) continue;
      const parts = name.split('.');
      const pid = Number.parseInt(parts[parts.length - 3] ?? '', 10);
      const path = join(dir, name);
      try {
        out.push({ path, pid, mtimeMs: statSync(path).mtimeMs });
      } catch {
        /* removed meanwhile */
      }
    }
  }
  return out;
}
