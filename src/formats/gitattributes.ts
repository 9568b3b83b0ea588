/**
 * `.gitattributes` files (gitattributes(5)): parsed the way git 2.39's attr.c reads them, matched
 * with git's pattern rules, and edited the way `git lfs track` / `git lfs untrack` edit them.
 */
import ignore, { type Ignore } from 'ignore';
import { UsageError } from '../errors.js';

/** An attribute state: set (`attr`) true, unset (`-attr`) false, unspecified (`!attr`) null, or `attr=value`. */
export type AttributeValue = string | true | false | null;

/** One pattern line; `pattern` is unquoted but keeps its wildcard escapes, `line` is 1-based. */
export interface AttributeRule {
  pattern: string;
  attrs: Record<string, AttributeValue>;
  line: number;
}

/** The rules of one `.gitattributes` file and the directory it lives in ('' for the root, else `a/b`). */
export interface AttributeSource {
  base: string;
  rules: AttributeRule[];
}

/** The attributes `git lfs track` writes after the pattern. */
export const LFS_ATTRIBUTES = 'filter=lfs diff=lfs merge=lfs -text';

const BLANK = ' \t\r\n';
const MAX_LINE_BYTES = 2048; // git ignores longer lines (attr.c ATTR_MAX_LINE_LENGTH)
const MACRO_PREFIX = '[attr]';
const ATTR_NAME_RE = /^[A-Za-z0-9_.][-A-Za-z0-9_.]*$/;
const C_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };
const utf8 = new TextEncoder();
const utf8Lossy = new TextDecoder('utf-8');

function spanOf(text: string, from: number, inSet: boolean): number {
  let i = from;
  while (i < text.length && BLANK.includes(text[i]) === inSet) i++;
  return i;
}

/** git's unquote_c_style: the pattern and the index after the closing quote, or null when malformed. */
function unquoteC(text: string, start: number): { value: string; end: number } | null {
  const bytes: number[] = [];
  let i = start + 1;
  for (;;) {
    const stop = text.slice(i).search(/["\\]/);
    if (stop < 0) return null; // unterminated
    bytes.push(...utf8.encode(text.slice(i, i + stop)));
    i += stop;
    if (text[i++] === '"') return { value: utf8Lossy.decode(new Uint8Array(bytes)), end: i };
    const esc = text[i] ?? '';
    if (Object.hasOwn(C_ESCAPES, esc)) {
      bytes.push(C_ESCAPES[esc]);
      i += 1;
      continue;
    }
    const octal = /^[0-3][0-7]{2}/.exec(text.slice(i, i + 3));
    if (octal === null) return null;
    bytes.push(parseInt(octal[0], 8));
    i += 3;
  }
}

/** The attribute states of one line, or null when git would reject the line (an invalid name). */
function parseStates(text: string): Record<string, AttributeValue> | null {
  const attrs: Record<string, AttributeValue> = Object.create(null);
  for (const token of text.split(/[ \t\r\n]+/)) {
    if (token === '') continue;
    const eq = token.indexOf('=');
    let name = eq < 0 ? token : token.slice(0, eq);
    let value: AttributeValue = eq < 0 ? true : token.slice(eq + 1);
    if (name.startsWith('-') || name.startsWith('!')) {
      value = name.startsWith('-') ? false : null;
      name = name.slice(1);
    }
    if (!ATTR_NAME_RE.test(name)) return null;
    attrs[name] = value;
  }
  return attrs;
}

/** Parses one `.gitattributes` file; lines git ignores (comments, macros, negative patterns, invalid attributes) are skipped. */
export function parseGitattributes(text: string): AttributeRule[] {
  const rules: AttributeRule[] = [];
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split('\n');
  lines.forEach((raw, i) => {
    if (utf8.encode(raw).length >= MAX_LINE_BYTES) return;
    const start = spanOf(raw, 0, true);
    if (start === raw.length || raw[start] === '#') return;
    const quoted = raw[start] === '"' ? unquoteC(raw, start) : null;
    const end = quoted?.end ?? spanOf(raw, start, false);
    const pattern = quoted?.value ?? raw.slice(start, end);
    if (pattern.length > MACRO_PREFIX.length && pattern.startsWith(MACRO_PREFIX)) return;
    if (pattern.startsWith('!')) return; // git: "Negative patterns are ignored in git attributes"
    const attrs = parseStates(raw.slice(end));
    if (attrs !== null) rules.push({ pattern, attrs, line: i + 1 });
  });
  return rules;
}

/** The rule as an `ignore` matcher for the path itself, or null when it can never match a file. */
function ruleMatcher(pattern: string): Ignore | null {
  if (pattern === '' || pattern.startsWith('!') || pattern.endsWith('/')) return null;
  // `ignore` reads '#' as a comment and trims trailing spaces; an attributes pattern means both literally.
  const literal = pattern.replace(/^#/, '\\#').replace(/ +$/, (s) => '\\ '.repeat(s.length));
  // '!*/' re-includes every directory, so a match of a parent directory (gitignore's rule) never
  // leaks down: attributes apply to the paths a pattern matches, not to what is under them. The
  // object form keeps a pattern holding a quoted "\n" in one piece.
  return ignore({ ignorecase: false }).add([{ pattern: literal }, '!*/']);
}

interface CompiledRule {
  base: string;
  attrs: Record<string, AttributeValue>;
  matcher: Ignore;
  /** The same answer without `ignore`, for the pattern shapes git itself matches without wildmatch. */
  fast: ((rel: string) => boolean) | null;
}

const GLOB_CHARS = /[*?[\\]/;

/**
 * git's own shortcuts (dir.c match_basename / match_pathname): `*SUFFIX` without a slash or
 * other wildcard tests the end of the name; a literal without a slash is the file name at any
 * depth; a literal with a slash is that one path below the file's directory. Other shapes (and
 * anything `ignore` reads specially: '#', '!', spaces) return null and go through `ignore`.
 * Every path is tested against every rule, so on a 100,000-file tree this is most of the work.
 */
function fastMatcher(pattern: string): ((rel: string) => boolean) | null {
  if (pattern === '' || pattern.endsWith('/') || /^[#!]|\s/.test(pattern)) return null;
  if (!pattern.includes('/')) {
    if (pattern.startsWith('*') && !GLOB_CHARS.test(pattern.slice(1))) {
      const suffix = pattern.slice(1);
      return (rel) => rel.endsWith(suffix);
    }
    if (GLOB_CHARS.test(pattern)) return null;
    const tail = `/${pattern}`;
    return (rel) => rel === pattern || rel.endsWith(tail);
  }
  const path = pattern.startsWith('/') ? pattern.slice(1) : pattern;
  if (path === '' || GLOB_CHARS.test(path) || path.includes('//')) return null;
  return (rel) => rel === path;
}

function depth(base: string): number {
  return base === '' ? 0 : base.split('/').length;
}

function checkPath(path: string): void {
  if (path === '' || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new UsageError(`not a repository-relative path: ${JSON.stringify(path)}`, {}, 'bad_path');
  }
}

/** Answers attribute questions for paths from the rules of several `.gitattributes` files, as git does. */
export class AttributeMatcher {
  /** Every rule that can match a file, lowest precedence first (shallow files first, then line order). */
  private readonly rules: CompiledRule[] = [];

  constructor(sources: readonly AttributeSource[]) {
    const trimmed = sources.map((s) => ({ base: s.base.replace(/\/+$/, ''), rules: s.rules }));
    const ordered = trimmed.sort((a, b) => depth(a.base) - depth(b.base));
    for (const { base, rules } of ordered) {
      const prefix = base === '' ? '' : `${base}/`;
      for (const rule of rules) {
        const matcher = ruleMatcher(rule.pattern);
        if (matcher !== null) this.rules.push({ base: prefix, attrs: rule.attrs, matcher, fast: fastMatcher(rule.pattern) });
      }
    }
  }

  /** The value of `attr` for file `path` ('/'-separated, relative to the root): the last matching rule that mentions it wins. */
  get(path: string, attr: string): AttributeValue {
    checkPath(path);
    for (let i = this.rules.length - 1; i >= 0; i--) {
      const { base, attrs, matcher, fast } = this.rules[i];
      if (!Object.hasOwn(attrs, attr) || !path.startsWith(base)) continue;
      const rel = path.slice(base.length);
      if (fast ? fast(rel) : matcher.ignores(rel)) return attrs[attr];
    }
    return null;
  }

  /** True when `path` has `filter=lfs`. */
  isLfs(path: string): boolean {
    return this.get(path, 'filter') === 'lfs';
  }
}

/** The pattern as `git lfs track` writes it: './' dropped, '\' made '/', space as `[[:space:]]`, '#' as `\#`. */
export function escapeTrackPattern(pattern: string): string {
  if (pattern === '' || /[\u0000-\u001f\u007f]/.test(pattern)) {
    throw new UsageError(`cannot track pattern ${JSON.stringify(pattern)}: empty or containing a control character`, {}, 'bad_pattern');
  }
  const escaped = pattern.replace(/^(\.\/)+/, '').replaceAll('\\', '/').replaceAll(' ', '[[:space:]]').replaceAll('#', '\\#');
  if (escaped === '' || escaped.startsWith('!') || escaped.startsWith(MACRO_PREFIX)) {
    throw new UsageError(`cannot track pattern ${JSON.stringify(pattern)}: not a path pattern git attributes accept`, {}, 'bad_pattern');
  }
  return escaped;
}

/** The user's form of a pattern read from a file: the escapes of {@link escapeTrackPattern} undone. */
function unescapeTrackPattern(pattern: string): string {
  return pattern.replaceAll('[[:space:]]', ' ').replaceAll('\\#', '#');
}

/** The `.gitattributes` line `hub track PATTERN` writes (no newline). */
export function trackLine(pattern: string): string {
  return `${escapeTrackPattern(pattern)} ${LFS_ATTRIBUTES}`;
}

/** For each rule that mentions `filter`, its user-form pattern and whether it sets filter=lfs. */
function filterRules(text: string): Array<{ pattern: string; line: number; lfs: boolean }> {
  return parseGitattributes(text)
    .filter((r) => Object.hasOwn(r.attrs, 'filter'))
    .map((r) => ({ pattern: unescapeTrackPattern(r.pattern), line: r.line, lfs: r.attrs.filter === 'lfs' }));
}

/** The patterns tracked by LFS in one file, in the user's form, in file order: the last line naming that exact pattern and `filter` sets filter=lfs. */
export function trackedPatterns(text: string): string[] {
  const last = new Map<string, boolean>();
  for (const r of filterRules(text)) {
    last.delete(r.pattern); // re-insert so the order follows the deciding line
    last.set(r.pattern, r.lfs);
  }
  return [...last].filter(([, lfs]) => lfs).map(([pattern]) => pattern);
}

function userForm(pattern: string): string {
  return unescapeTrackPattern(escapeTrackPattern(pattern));
}

function lineEnding(text: string): string {
  const crlf = text.split('\r\n').length - 1;
  return crlf > text.split('\n').length - 1 - crlf ? '\r\n' : '\n';
}

/** Appends the `hub track` line for `pattern` unless that exact pattern is already tracked; other lines are kept. */
export function addTrackedPattern(text: string, pattern: string): { text: string; added: boolean } {
  const line = trackLine(pattern);
  if (trackedPatterns(text).includes(userForm(pattern))) return { text, added: false };
  const eol = lineEnding(text);
  const head = text === '' || text.endsWith('\n') ? text : `${text}${eol}`;
  return { text: `${head}${line}${eol}`, added: true };
}

/**
 * The pattern `git lfs track --filename PATH` writes: the path itself, with glob characters
 * escaped so it matches that file only (`w[1].bin` -> `w\[1\].bin`).
 */
export function filenamePattern(path: string): string {
  if (path === '' || /[\u0000-\u001f\u007f]/.test(path)) {
    throw new UsageError(`cannot track file name ${JSON.stringify(path)}: empty or containing a control character`, {}, 'bad_pattern');
  }
  const escaped = path.replace(/([\\[\]*?!])/g, '\\$1').replaceAll(' ', '[[:space:]]').replaceAll('#', '\\#');
  return escaped;
}

/** Appends the line for the literal file name `path` (as `git lfs track --filename` does), unless present. */
export function addTrackedFilename(text: string, path: string): { text: string; added: boolean } {
  const pattern = filenamePattern(path);
  if (parseGitattributes(text).some((r) => r.pattern === pattern && r.attrs.filter === 'lfs')) return { text, added: false };
  const eol = lineEnding(text);
  const head = text === '' || text.endsWith('\n') ? text : `${text}${eol}`;
  return { text: `${head}${pattern} ${LFS_ATTRIBUTES}${eol}`, added: true };
}

/** Removes every line for exactly `pattern` that sets filter=lfs; other lines are kept byte for byte. */
export function removeTrackedPattern(text: string, pattern: string): { text: string; removed: boolean } {
  const wanted = userForm(pattern);
  const drop = new Set(filterRules(text).filter((r) => r.lfs && r.pattern === wanted).map((r) => r.line));
  if (drop.size === 0) return { text, removed: false };
  const lines = text.split('\n');
  return { text: lines.filter((_, i) => !drop.has(i + 1)).join('\n'), removed: true };
}
