/**
 * Where the shared local store lives: `$HUB_HOME/store` (default ~/.cache/hub/store), shared by
 * every repository of the user so clones and fine-tunes share chunks.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** HUB_HOME, or ~/.cache/hub. */
export function hubHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.HUB_HOME && env.HUB_HOME.length > 0 ? env.HUB_HOME : join(homedir(), '.cache', 'hub');
}

/** Every path inside one store. */
export interface StorePaths {
  root: string;
  xorbs: string;
  manifests: string;
  tmp: string;
  locks: string;
  index: string;
}

/** The layout of the store rooted at `root`. */
export function storePaths(root: string): StorePaths {
  return {
    root,
    xorbs: join(root, 'xorbs'),
    manifests: join(root, 'manifests'),
    tmp: join(root, 'tmp'),
    locks: join(root, 'locks'),
    index: join(root, 'index.sqlite'),
  };
}

/** Path of a xorb file, fanned out by its first two hex digits. */
export function xorbPath(paths: StorePaths, xorbHex: string): string {
  return join(paths.xorbs, xorbHex.slice(0, 2), `${xorbHex}.xorb`);
}

/** Path of a manifest file, fanned out by the first two hex digits of the oid. */
export function manifestPath(paths: StorePaths, oid: string): string {
  return join(paths.manifests, oid.slice(0, 2), `${oid}.json`);
}
