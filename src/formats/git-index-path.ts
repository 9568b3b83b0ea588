/**
 * Paths in git's index: their order (git sorts entries by UTF-8 bytes) and the paths git refuses
 * (verify_path: empty components, `.`/`..`/`.git`, NUL, invalid Unicode).
 */

function quote(value: string, max = 80): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** Compares two paths the way git orders index entries (by UTF-8 bytes); negative, zero or positive. */
export function compareIndexPaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-8 byte order is code point order; UTF-16 units agree with it except that surrogates
    // (code points from U+10000) must sort after U+E000-U+FFFF.
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x - y;
  }
  return a.length - b.length;
}

/** What git's verify_path would object to in `path` ("is empty", "has a .git component", ...), or undefined. */
function pathDefect(path: string): string | undefined {
  if (path.length === 0) return 'is empty';
  // One pass without allocating: this runs for every entry of indexes with 100,000s of them.
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c === 0) return 'contains a NUL';
    if (c >= 0xd800 && c <= 0xdfff) {
      const low = path.charCodeAt(i + 1);
      if (c >= 0xdc00 || !(low >= 0xdc00 && low <= 0xdfff)) return 'has a lone surrogate (not valid Unicode)';
      i++;
      continue;
    }
    if (c !== 0x2f) continue;
    const len = i - start;
    if (len === 0) return "has an empty component (leading, trailing or double '/')";
    if (path.charCodeAt(start) === 0x2e && len <= 4) {
      const part = path.slice(start, i);
      if (part === '.' || part === '..') return `has a ${quote(part)} component`;
      if (part.toLowerCase() === '.git') return 'has a .git component';
    }
    start = i + 1;
  }
  return undefined;
}

/** `path "<path>" <defect>` when git would refuse `path` in an index, else undefined. */
export function pathProblem(path: string): string | undefined {
  const defect = pathDefect(path);
  return defect === undefined ? undefined : `path ${quote(path)} ${defect}`;
}

