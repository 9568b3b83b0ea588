/**
 * git configuration as `git config --list -z` prints it, with git's lookup rules: a key's last
 * value wins; section and variable names are case-insensitive, the subsection between them is
 * not; `<section>.<url>.<variable>` keys match a URL as git's `http.<url>.*` rules say (scheme,
 * host and port exactly, the configured path as a prefix of whole path segments, the longest
 * path and a matching user name first). No I/O: repo/git-config.ts runs git.
 */

/** One `key=value` of a config listing, in the order git printed it. */
export type ConfigEntry = readonly [key: string, value: string];

/** The entries of `git config --list -z` output (`key\nvalue\0`; a key without value has no `\n`). */
export function parseConfigList(text: string): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  for (const record of text.split('\0')) {
    if (record === '') continue;
    const nl = record.indexOf('\n');
    out.push(nl < 0 ? [canonicalKey(record), 'true'] : [canonicalKey(record.slice(0, nl)), record.slice(nl + 1)]);
  }
  return out;
}

/** git's canonical key: section and variable lower-cased, the subsection (a remote name, a URL) as written. */
export function canonicalKey(key: string): string {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first < 0) return key.toLowerCase();
  if (first === last) return key.toLowerCase();
  return `${key.slice(0, first).toLowerCase()}${key.slice(first, last)}${key.slice(last).toLowerCase()}`;
}

/** Read-only lookups over config entries (later entries override earlier ones). */
export class GitConfigValues {
  private readonly values = new Map<string, string[]>();

  constructor(readonly entries: readonly ConfigEntry[] = []) {
    for (const [k, v] of entries) {
      const list = this.values.get(k);
      if (list) list.push(v);
      else this.values.set(k, [v]);
    }
  }

  /** The value of `key` (its last one), or undefined. */
  get(key: string): string | undefined {
    const all = this.values.get(canonicalKey(key));
    return all?.[all.length - 1];
  }

  /** Every key that starts with `prefix` and ends with `suffix` (both canonical), with its last value. */
  matching(prefix: string, suffix: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [k, v] of this.values) if (k.startsWith(prefix) && k.endsWith(suffix) && k.length > prefix.length + suffix.length) out.push([k, v[v.length - 1]]);
    return out;
  }

  /**
   * `<section>.<url>.<variable>` for `rawUrl` by git's URL-matching rules (see the module
   * comment), else `<section>.<variable>`.
   */
  forUrl(section: string, rawUrl: string, variable: string): string | undefined {
    let search: URL;
    try {
      search = new URL(rawUrl);
    } catch {
      return this.get(`${section}.${variable}`);
    }
    let best: { value: string; path: number; user: number } | undefined;
    for (const [key, value] of this.matching(`${section}.`, `.${variable}`)) {
      let config: URL;
      try {
        config = new URL(key.slice(section.length + 1, key.length - variable.length - 1));
      } catch {
        continue;
      }
      if (config.protocol !== search.protocol || config.hostname !== search.hostname || portOf(config) !== portOf(search)) continue;
      const path = pathScore(search.pathname, config.pathname);
      if (path < 0) continue;
      let user = 0;
      if (config.username) {
        if (decodeURIComponent(config.username) !== decodeURIComponent(search.username)) continue;
        user = 1;
      }
      if (!best || path > best.path || (path === best.path && user > best.user)) best = { value, path, user };
    }
    return best?.value ?? this.get(`${section}.${variable}`);
  }
}

function portOf(u: URL): string {
  return u.port || (u.protocol === 'http:' ? '80' : u.protocol === 'https:' ? '443' : '');
}

/** How long a prefix of `search` the configured path is (-1: not a prefix of whole segments). */
function pathScore(search: string, config: string): number {
  const c = config.replace(/\/+$/, '');
  const s = search.replace(/\/+$/, '');
  if (c === '') return 0;
  if (s === c || s.startsWith(`${c}/`)) return c.length;
  return -1;
}
