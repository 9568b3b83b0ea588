/**
 * `.gitattributes` files (gitattributes(5)): parsed the way git 2.39's attr.c reads them, matched
 * with git's pattern rules (wildmatch.ts, linear time), and edited the way `git lfs track` / `git lfs untrack` edit them.
 */
import { UsageError } from '../errors.js';
import { compileWildmatch, wildmatch, type Wildmatcher } from './wildmatch.js';

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

/** git's is_glob_special: the bytes that end a pattern's literal prefix. */
function simpleLength(p: Uint8Array): number {
  let i = 0;
  while (i < p.length && p[i] !== 0x2a && p[i] !== 0x3f && p[i] !== 0x5b && p[i] !== 0x5c) i++;
  return i;
}

/**
 * One rule compiled the way git's attr.c/dir.c match it (parse_path_pattern, match_basename,
 * match_pathname): a pattern without `/` matches the file's name, anything else the path below
 * the rule's directory, after a literal prefix compared first (so a `**` right after that prefix
 * counts as the start of the pattern, as in git). A pattern ending in `/` only matches
 * directories, so never a file: such rules are dropped.
 */
interface CompiledRule {
  base: string;
  /** UTF-8 length of `base`, computed once (paths are matched as bytes after it). */
  baseBytes: number;
  /** For `*literal` basename rules: the literal as text (a UTF-8 suffix match is a string suffix match). */
  suffix?: string;
  attrs: Record<string, AttributeValue>;
  /** Match the last path component only (the pattern holds no `/`). */
  basename: boolean;
  /** The pattern bytes (leading `/` removed for path patterns). */
  pattern: Uint8Array;
  /** Bytes before the first wildcard character. */
  prefix: number;
  /** `*literal` basename patterns: an ends-with test. */
  endsWith: boolean;
  /** The wildcard part: the whole pattern for basename rules, the part after `prefix` otherwise. */
  glob?: Wildmatcher;
}

function compileRule(base: string, pattern: string, attrs: Record<string, AttributeValue>): CompiledRule | null {
  if (pattern === '' || pattern.startsWith('!') || pattern.endsWith('/')) return null;
  let bytes = utf8.encode(pattern);
  const basename = !bytes.includes(0x2f);
  let prefix = simpleLength(bytes);
  if (!basename && bytes[0] === 0x2f) {
    bytes = bytes.subarray(1);
    prefix--;
  }
  const endsWith = basename && bytes[0] === 0x2a && simpleLength(bytes.subarray(1)) === bytes.length - 1;
  const rule: CompiledRule = { base, baseBytes: utf8.encode(base).length, attrs, basename, pattern: bytes, prefix, endsWith };
  if (endsWith) rule.suffix = utf8Lossy.decode(bytes.subarray(1));
  if (prefix < bytes.length && !endsWith) rule.glob = compileWildmatch(basename ? bytes : bytes.subarray(prefix), !basename);
  return rule;
}

function equalBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

/** Whether the rule matches `path` (UTF-8 bytes, relative to the root; the rule's base already checked). */
function ruleMatches(rule: CompiledRule, path: Uint8Array, baseBytes: number): boolean {
  const p = rule.pattern;
  if (rule.basename) {
    const name = path.subarray(path.lastIndexOf(0x2f) + 1);
    if (rule.prefix === p.length) return name.length === p.length && equalBytes(p, 0, name, 0, p.length);
    if (rule.endsWith) return p.length - 1 <= name.length && equalBytes(p, 1, name, name.length - (p.length - 1), p.length - 1);
    return wildmatch(rule.glob!, name);
  }
  const name = path.subarray(baseBytes);
  if (rule.prefix > name.length || !equalBytes(p, 0, name, 0, rule.prefix)) return false;
  if (rule.prefix === p.length) return name.length === p.length;
  return wildmatch(rule.glob!, name.subarray(rule.prefix));
}

function depth(base: string): number {
  return base === '' ? 0 : base.split('/').length;
}

/** An empty segment, or a `.` or `..` segment (linear: no backtracking, no allocation). */
const BAD_SEGMENT = /(?:^|\/)(?:\.\.?)?(?:\/|$)/;

function checkPath(path: string): void {
  if (path === '' || BAD_SEGMENT.test(path)) {
    throw new UsageError(`not a repository-relative path: ${JSON.stringify(path)}`, {}, 'bad_path');
  }
}

/**
 * Answers attribute questions for paths from the rules of several `.gitattributes` files, as git
 * does. Each rule costs at most O(pattern × path) per path (wildmatch.ts); rules without a
 * wildcard are looked up by name instead of tried one by one, so the thousands of lines
 * `git lfs track --filename` writes stay cheap.
 */
export class AttributeMatcher {
  /** Every rule that can match a file, lowest precedence first (shallow files first, then line order). */
  private readonly rules: CompiledRule[] = [];
  /** Per attribute: literal rules by exact key (`b:<name>` basename, `p:<path>` full path), and the others. */
  private readonly byAttr = new Map<string, { literal: Map<string, number[]>; other: number[] }>();

  constructor(sources: readonly AttributeSource[]) {
    const trimmed = sources.map((s) => ({ base: s.base.replace(/\/+$/, ''), rules: s.rules }));
    const ordered = trimmed.sort((a, b) => depth(a.base) - depth(b.base));
    for (const { base, rules } of ordered) {
      const prefix = base === '' ? '' : `${base}/`;
      for (const rule of rules) {
        const compiled = compileRule(prefix, rule.pattern, rule.attrs);
        if (compiled !== null) this.rules.push(compiled);
      }
    }
  }

  private index(attr: string): { literal: Map<string, number[]>; other: number[] } {
    let found = this.byAttr.get(attr);
    if (found) return found;
    found = { literal: new Map(), other: [] };
    this.rules.forEach((rule, i) => {
      if (!Object.hasOwn(rule.attrs, attr)) return;
      if (rule.prefix !== rule.pattern.length) return void found!.other.push(i);
      const text = utf8Lossy.decode(rule.pattern);
      const key = rule.basename ? `b:${text}` : `p:${rule.base}${text}`;
      const list = found!.literal.get(key) ?? [];
      list.push(i);
      found!.literal.set(key, list);
    });
    this.byAttr.set(attr, found);
    return found;
  }

  /** The value of `attr` for file `path` ('/'-separated, relative to the root): the last matching rule that mentions it wins. */
  get(path: string, attr: string): AttributeValue {
    checkPath(path);
    const { literal, other } = this.index(attr);
    let best = -1;
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (literal.size > 0) {
      // (no key strings are made when there are no literal rules, the usual `*.ext` case: status asks this of every small file)
      for (const i of literal.get(`b:${name}`) ?? []) if (i > best && path.startsWith(this.rules[i].base)) best = i;
      for (const i of literal.get(`p:${path}`) ?? []) if (i > best) best = i;
    }
    // most rules are `*.ext`: those match on the string; the path is encoded only for a wildcard
    let bytes: Uint8Array | undefined;
    for (let k = other.length - 1; k >= 0 && other[k] > best; k--) {
      const rule = this.rules[other[k]];
      if (!path.startsWith(rule.base)) continue;
      const matches = rule.suffix !== undefined ? name.endsWith(rule.suffix) : ruleMatches(rule, (bytes ??= utf8.encode(path)), rule.baseBytes);
      if (matches) {
        best = other[k];
        break;
      }
    }
    return best < 0 ? null : this.rules[best].attrs[attr];
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

/** Appends the lines for the literal file names `paths` (see {@link addTrackedFilename}) in one pass over `text`. */
export function addTrackedFilenames(text: string, paths: readonly string[]): { text: string; added: number } {
  const present = new Set(parseGitattributes(text).filter((r) => r.attrs.filter === 'lfs').map((r) => r.pattern));
  const eol = lineEnding(text);
  const lines: string[] = [];
  for (const path of paths) {
    const pattern = filenamePattern(path);
    if (present.has(pattern)) continue;
    present.add(pattern);
    lines.push(`${pattern} ${LFS_ATTRIBUTES}${eol}`);
  }
  if (lines.length === 0) return { text, added: 0 };
  const head = text === '' || text.endsWith('\n') ? text : `${text}${eol}`;
  return { text: head + lines.join(''), added: lines.length };
}

/** Removes every line for exactly `pattern` that sets filter=lfs; other lines are kept byte for byte. */
export function removeTrackedPattern(text: string, pattern: string): { text: string; removed: boolean } {
  const wanted = userForm(pattern);
  const drop = new Set(filterRules(text).filter((r) => r.lfs && r.pattern === wanted).map((r) => r.line));
  if (drop.size === 0) return { text, removed: false };
  const lines = text.split('\n');
  return { text: lines.filter((_, i) => !drop.has(i + 1)).join('\n'), removed: true };
}
