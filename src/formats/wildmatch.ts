/**
 * git's wildmatch (wildmatch.c, git 2.39) for `.gitattributes` patterns, in time linear in
 * pattern × path. git matches by backtracking, and so did the regular expressions `ignore`
 * builds: ten `**` segments against a path of thirty directories took minutes. Here a pattern
 * compiles to a small NFA (one state per pattern token) that is simulated over the path's bytes,
 * so every match costs at most O(pattern bytes × path bytes) whatever the pattern. Hand-written
 * because no maintained library matches git's exact semantics without backtracking.
 *
 * Semantics kept from git: bytes, not characters (`?` matches one byte of a UTF-8 sequence);
 * with `pathname`, `*`, `?` and classes never match `/`, and `**` matches across directories
 * only when it is a whole segment (start of pattern or after `/`, and end of pattern or before
 * `/`): `**\/` matches zero or more leading directories, a trailing `**` everything; classes
 * `[...]`, `[!...]`, `[^...]`, ranges and `[:alpha:]`-style names; `\x` is a literal x. A
 * malformed class (unterminated, unknown `[:name:]`) or a trailing `\` never matches, like git's
 * WM_ABORT_ALL.
 */

const LIT = 0;
const ANY = 1;
const CLASS = 2;
const STAR = 3;
const DIRSTAR = 4; // `**` before `/`: any bytes, then the `/` token that follows; may skip both
const TAILSTAR = 5;

interface Token {
  kind: number;
  byte: number;
  /** For CLASS: 256 entries, 1 where the byte matches. */
  table?: Uint8Array;
  /** For DIRSTAR: whether the zero-directory case may skip the following `/` (not after `\/`). */
  skip?: boolean;
}

/** A compiled pattern; `never` when git would abort on it (it can match nothing). */
export interface Wildmatcher {
  readonly tokens: readonly Token[];
  readonly pathname: boolean;
  readonly never: boolean;
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;

function isAscii(c: number): boolean {
  return c < 0x80;
}
const NAMED_CLASSES: Record<string, (c: number) => boolean> = {
  alnum: (c) => isAscii(c) && /[A-Za-z0-9]/.test(String.fromCharCode(c)),
  alpha: (c) => isAscii(c) && /[A-Za-z]/.test(String.fromCharCode(c)),
  blank: (c) => c === 0x20 || c === 0x09,
  cntrl: (c) => c < 0x20 || c === 0x7f,
  digit: (c) => c >= 0x30 && c <= 0x39,
  graph: (c) => c > 0x20 && c < 0x7f,
  lower: (c) => c >= 0x61 && c <= 0x7a,
  print: (c) => c >= 0x20 && c < 0x7f,
  punct: (c) => c > 0x20 && c < 0x7f && !/[A-Za-z0-9]/.test(String.fromCharCode(c)),
  space: (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d),
  upper: (c) => c >= 0x41 && c <= 0x5a,
  xdigit: (c) => /[0-9A-Fa-f]/.test(String.fromCharCode(c)),
};

/**
 * Parses the class starting at `p[at] === '['` the way dowild does; returns the byte table and
 * the index after `]`, or undefined when git would abort (unterminated, bad `[:name:]`).
 */
function parseClass(p: Uint8Array, at: number, pathname: boolean): { table: Uint8Array; next: number } | undefined {
  const set = new Uint8Array(256);
  let i = at + 1;
  let ch = p[i];
  const negated = ch === 0x21 || ch === 0x5e; // '!' or '^'
  if (negated) ch = p[++i];
  let prev = 0;
  for (;;) {
    if (ch === undefined) return undefined;
    if (ch === BACKSLASH) {
      ch = p[++i];
      if (ch === undefined) return undefined;
      set[ch] = 1;
    } else if (ch === 0x2d && prev !== 0 && p[i + 1] !== undefined && p[i + 1] !== 0x5d) {
      // a range prev-hi (the second end may be escaped)
      let hi = p[++i];
      if (hi === BACKSLASH) {
        hi = p[++i];
        if (hi === undefined) return undefined;
      }
      for (let c = prev; c <= hi; c++) set[c] = 1;
      ch = 0; // so that `prev` becomes 0: `a-c-e` is a range, then a literal '-'
    } else if (ch === 0x5b && p[i + 1] === 0x3a) {
      // `[:name:]`; without the closing ":]" the '[' is an ordinary member
      const s = i + 2;
      let j = s;
      while (p[j] !== undefined && p[j] !== 0x5d) j++;
      if (p[j] === undefined) return undefined;
      if (j - s - 1 < 0 || p[j - 1] !== 0x3a) {
        set[0x5b] = 1;
      } else {
        const test = NAMED_CLASSES[String.fromCharCode(...p.subarray(s, j - 1))];
        if (!test) return undefined;
        for (let c = 0; c < 256; c++) if (test(c)) set[c] = 1;
        i = j;
        ch = 0;
      }
    } else {
      set[ch] = 1;
    }
    prev = ch;
    ch = p[++i];
    if (ch === 0x5d) break;
  }
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = set[c] !== (negated ? 1 : 0) ? 1 : 0;
  if (pathname) table[SLASH] = 0;
  return { table, next: i + 1 };
}

/** Compiles `pattern` (bytes); `pathname` is git's WM_PATHNAME flag. */
export function compileWildmatch(pattern: Uint8Array, pathname: boolean): Wildmatcher {
  const tokens: Token[] = [];
  const never = (): Wildmatcher => ({ tokens: [], pathname, never: true });
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i];
    if (c === BACKSLASH) {
      if (i + 1 >= pattern.length) return never();
      tokens.push({ kind: LIT, byte: pattern[i + 1] });
      i += 2;
    } else if (c === 0x3f) {
      tokens.push({ kind: ANY, byte: 0 });
      i++;
    } else if (c === 0x5b) {
      const cls = parseClass(pattern, i, pathname);
      if (!cls) return never();
      tokens.push({ kind: CLASS, byte: 0, table: cls.table });
      i = cls.next;
    } else if (c === 0x2a) {
      let j = i;
      while (pattern[j] === 0x2a) j++;
      const double = j - i >= 2;
      const atStart = i === 0 || pattern[i - 1] === SLASH;
      const next = pattern[j];
      const beforeSlash = next === SLASH || (next === BACKSLASH && pattern[j + 1] === SLASH);
      if (!pathname) tokens.push({ kind: STAR, byte: 0 });
      else if (double && atStart && next === undefined) tokens.push({ kind: TAILSTAR, byte: 0 });
      else if (double && atStart && beforeSlash) tokens.push({ kind: DIRSTAR, byte: 0, skip: next === SLASH });
      else tokens.push({ kind: STAR, byte: 0 });
      i = j;
    } else {
      tokens.push({ kind: LIT, byte: c });
      i++;
    }
  }
  return { tokens, pathname, never: false };
}

/** Whether `text` (bytes) matches the compiled pattern, in O(tokens × text) time and O(tokens) memory. */
export function wildmatch(m: Wildmatcher, text: Uint8Array): boolean {
  if (m.never) return false;
  const tokens = m.tokens;
  const n = tokens.length;
  // active states: token indexes reached; `seen` stamps avoid duplicates within one step
  let current = new Int32Array(n + 1);
  let next = new Int32Array(n + 1);
  const seen = new Int32Array(n + 1).fill(-1);
  let count = 0;
  let nextCount = 0;
  let step = 0;
  const add = (list: Int32Array, length: number, i: number): number => {
    // iterative closure over the zero-length moves of star tokens
    for (;;) {
      // entering `**/` (not staying in it): zero directories, the `/` skipped too; only on entry,
      // or `**/ab` would match `ba/aab` (`**` taking `ba/a`, then no `/`)
      if (i < n && tokens[i].kind === DIRSTAR && tokens[i].skip) length = add(list, length, i + 2);
      if (seen[i] === step) return length;
      seen[i] = step;
      list[length++] = i;
      if (i === n) return length;
      const kind = tokens[i].kind;
      if (kind !== STAR && kind !== DIRSTAR && kind !== TAILSTAR) return length;
      i++;
    }
  };
  /** A star token that consumed a byte stays active (without the entry moves), and what may follow it is reached. */
  const stay = (list: Int32Array, length: number, i: number): number => {
    if (seen[i] === step) return length;
    seen[i] = step;
    list[length++] = i;
    return add(list, length, i + 1);
  };
  count = add(current, 0, 0);
  for (let at = 0; at < text.length && count > 0; at++) {
    const b = text[at];
    step++;
    nextCount = 0;
    for (let k = 0; k < count; k++) {
      const i = current[k];
      if (i === n) continue;
      const t = tokens[i];
      switch (t.kind) {
        case LIT:
          if (b === t.byte) nextCount = add(next, nextCount, i + 1);
          break;
        case ANY:
          if (!m.pathname || b !== SLASH) nextCount = add(next, nextCount, i + 1);
          break;
        case CLASS:
          if (t.table![b] === 1) nextCount = add(next, nextCount, i + 1);
          break;
        case STAR:
          if (!m.pathname || b !== SLASH) nextCount = stay(next, nextCount, i);
          break;
        default: // DIRSTAR, TAILSTAR: any byte
          nextCount = stay(next, nextCount, i);
      }
    }
    [current, next] = [next, current];
    count = nextCount;
  }
  for (let k = 0; k < count; k++) if (current[k] === n) return true;
  return false;
}
