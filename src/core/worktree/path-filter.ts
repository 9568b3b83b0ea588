/** `--include GLOB` / `--exclude GLOB` on clone and pull (gitignore-style patterns, as `hf download`). */
import ignore from 'ignore';

/** A predicate: is `path` selected? Everything when no include is given; excludes win. */
export function pathFilter(include: readonly string[] = [], exclude: readonly string[] = []): (path: string) => boolean {
  const inc = include.length ? ignore().add([...include]) : undefined;
  const exc = exclude.length ? ignore().add([...exclude]) : undefined;
  return (path) => (!inc || inc.ignores(path)) && !(exc && exc.ignores(path));
}
