/**
 * git's short status formats from a status result: `-s/--short` and `--porcelain` (v1) print
 * `XY PATH` lines (X: index against HEAD, Y: working tree against index; `??` untracked; the
 * unmerged pairs UU, AA, DU, UD, AU, UA, DD), tracked paths sorted, untracked ones after; with
 * `-b`, a first line `## BRANCH...UPSTREAM [ahead N, behind M]`. Paths are relative to the top
 * of the repository (git's porcelain does the same; its -s is relative to the current directory).
 */
import type { StatusResult } from '../core/worktree/status.js';

const LETTER = { added: 'A', modified: 'M', deleted: 'D', typechange: 'T' } as const;
const UNMERGED = { 'both-modified': 'UU', 'both-added': 'AA', 'deleted-by-us': 'DU', 'deleted-by-them': 'UD', 'added-by-us': 'AU', 'added-by-them': 'UA', 'both-deleted': 'DD' } as const;

/** The `## ...` line git prints with `-b`. */
export function branchLine(r: StatusResult): string {
  if (r.detached) return '## HEAD (no branch)';
  if (!r.head) return `## No commits yet on ${r.branch}`;
  if (!r.upstream) return `## ${r.branch}`;
  const u = r.upstream;
  const counts = !u.exists ? ' [gone]' : u.ahead && u.behind ? ` [ahead ${u.ahead}, behind ${u.behind}]` : u.ahead ? ` [ahead ${u.ahead}]` : u.behind ? ` [behind ${u.behind}]` : '';
  return `## ${r.branch}...${u.name}${counts}`;
}

/** The `XY PATH` lines (and the branch line when asked). */
export function shortStatus(r: StatusResult, opts: { branch?: boolean } = {}): string {
  const rows = new Map<string, [string, string]>();
  for (const c of r.staged) rows.set(c.path, [LETTER[c.change], ' ']);
  for (const c of r.unstaged) rows.set(c.path, [rows.get(c.path)?.[0] ?? ' ', LETTER[c.change]]);
  for (const u of r.unmerged) rows.set(u.path, [UNMERGED[u.conflict][0], UNMERGED[u.conflict][1]]);
  const byte = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const lines = [...rows].sort(([a], [b]) => byte(a, b)).map(([p, [x, y]]) => `${x}${y} ${p}`);
  lines.push(...[...r.untrackedShort].sort(byte).map((p) => `?? ${p}`));
  if (opts.branch) lines.unshift(branchLine(r));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
