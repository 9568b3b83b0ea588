/** The version of hub, read from package.json (two levels up from both src/cli and dist/cli). */
import { readFileSync } from 'node:fs';

/** hub's version, e.g. `0.1.0`. */
export function hubVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
