/** git's short status lines from a status result (the integration tests compare with git itself). */
import { describe, expect, it } from 'vitest';
import { branchLine, shortStatus } from '../../../src/cli/status-short.js';
import type { StatusResult } from '../../../src/core/worktree/status.js';

const base: StatusResult = {
  branch: 'main',
  upstream: null,
  head: 'a'.repeat(40),
  detached: false,
  staged: [],
  unstaged: [],
  untracked: [],
  untrackedShort: [],
  unmerged: [],
  notFetched: [],
  checkoutInProgress: null,
  clean: true,
};

describe('shortStatus', () => {
  it('pairs index and worktree letters per path, sorts by bytes, untracked last', () => {
    const r: StatusResult = {
      ...base,
      staged: [{ path: 'b', change: 'modified', large: false }, { path: 'a', change: 'added', large: false }],
      unstaged: [{ path: 'b', change: 'deleted', large: false }, { path: 'Z', change: 'modified', large: true }],
      untrackedShort: ['dir/', 'c'],
      unmerged: [
        { path: 'u1', conflict: 'both-modified', stages: [1, 2, 3] },
        { path: 'u2', conflict: 'deleted-by-them', stages: [1, 2] },
        { path: 'u3', conflict: 'added-by-them', stages: [3] },
      ],
    };
    expect(shortStatus(r)).toBe(' M Z\nA  a\nMD b\nUU u1\nUD u2\nUA u3\n?? c\n?? dir/\n');
    expect(shortStatus(base)).toBe('');
  });

  it('writes git -b lines for every upstream state', () => {
    const up = (ahead: number, behind: number, exists = true) => branchLine({ ...base, upstream: { name: 'origin/main', exists, ahead, behind } });
    expect(branchLine(base)).toBe('## main');
    expect(up(0, 0)).toBe('## main...origin/main');
    expect(up(2, 0)).toBe('## main...origin/main [ahead 2]');
    expect(up(0, 3)).toBe('## main...origin/main [behind 3]');
    expect(up(1, 1)).toBe('## main...origin/main [ahead 1, behind 1]');
    expect(up(0, 0, false)).toBe('## main...origin/main [gone]');
    expect(branchLine({ ...base, head: null })).toBe('## No commits yet on main');
    expect(branchLine({ ...base, detached: true, branch: null })).toBe('## HEAD (no branch)');
    expect(shortStatus(base, { branch: true })).toBe('## main\n');
  });
});
