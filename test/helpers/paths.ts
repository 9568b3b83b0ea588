/** Well-known paths of the repository, for tests. */
import { fileURLToPath } from 'node:url';

/** The repository root (the directory holding package.json). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');

/** The CLI shim tests run: `node bin/hub.js`. */
export const hubBin = `${repoRoot}/bin/hub.js`;
