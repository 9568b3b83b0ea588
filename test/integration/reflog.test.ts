/**
 * Issue 14: hub's ref updates write the reflogs git keeps (HEAD and each branch), in git's format
 * and with git's messages. The same scenario runs through git in one repository and through hub
 * in another; `git reflog` of both must list the same messages (hashes aside), branch by branch,
 * and git must be able to use hub's entries (`HEAD@{N}`).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHub } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };

/** One step of the scenario: files to write first, then the same command for git and for hub. */
interface Step {
  write?: Record<string, string>;
  git: string[];
  hub: string[];
  /** The command stops with conflicts (exit 1 for git, 7 for hub). */
  conflicts?: boolean;
}

const c = (msg: string, file: string, text: string): Step[] => [
  { write: { [file]: text }, git: ['add', '-A'], hub: ['add', '-A'] },
  { git: ['commit', '-q', '-m', msg], hub: ['commit', '-m', msg] },
];

const SCENARIO: Step[] = [
  ...c('one', 'a.txt', '1\n'),
  ...c('two', 'a.txt', '2\n'),
  { git: ['switch', '-q', '-c', 'side'], hub: ['switch', '-c', 'side'] },
  ...c('side work', 's.txt', 's\n'),
  { git: ['checkout', '-q', 'main'], hub: ['checkout', 'main'] },
  { git: ['merge', '-q', 'side'], hub: ['merge', 'side'] }, // fast-forward
  { git: ['reset', '-q', '--hard', 'HEAD~1'], hub: ['reset', '--hard', 'HEAD~1'] },
  ...c('main work', 'm.txt', 'm\n'),
  { git: ['merge', '-q', '--no-edit', 'side'], hub: ['merge', 'side'] }, // a merge commit
  { git: ['revert', '--no-edit', 'HEAD^'], hub: ['revert', 'HEAD^'] },
  { git: ['checkout', '-q', 'HEAD~1'], hub: ['checkout', 'HEAD~1'] }, // detached
  { git: ['checkout', '-q', 'main'], hub: ['checkout', 'main'] },
  { git: ['checkout', '-q', 'main'], hub: ['checkout', 'main'] }, // already there: git logs it all the same
  { git: ['branch', 'b2'], hub: ['branch', 'b2'] },
  { git: ['branch', 'b4', 'HEAD~1'], hub: ['branch', 'b4', 'HEAD~1'] },
  { git: ['checkout', '-q', '-b', 'b3', 'side'], hub: ['checkout', '-b', 'b3', 'side'] },
  ...c('on b3', 'a.txt', 'b3\n'),
  { git: ['checkout', '-q', 'main'], hub: ['checkout', 'main'] },
  ...c('main again', 'a.txt', 'main\n'),
  { git: ['merge', '-q', '--no-edit', 'b3'], hub: ['merge', 'b3'], conflicts: true },
  { write: { 'a.txt': 'resolved\n' }, git: ['add', 'a.txt'], hub: ['add', 'a.txt'] },
  { git: ['commit', '-q', '--no-edit'], hub: ['commit'] }, // concludes the merge
  { write: { 'a.txt': 'dirty\n' }, git: ['stash', '-q'], hub: ['stash'] },
  { git: ['stash', 'pop', '-q'], hub: ['stash', 'pop'] },
  { git: ['reset', '-q', '--hard'], hub: ['reset', '--hard'] },
  { git: ['branch', '-D', 'b4'], hub: ['branch', '-D', 'b4'] },
];

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: { ...process.env, ...ID, GIT_CONFIG_NOSYSTEM: '1', HOME: dir }, encoding: 'utf8' });
}

/** The reflog of `ref` as git reads it: messages, with commit ids masked. */
function reflog(dir: string, ref: string): string[] {
  return git(dir, 'reflog', 'show', '--format=%gs', ref, '--').trim().split('\n').map((l) => l.replace(/[0-9a-f]{40}/g, '<id>'));
}

describe('reflogs', () => {
  it('hub writes the HEAD and branch reflogs git writes for the same commands', async () => {
    const withGit = tmpDir();
    const withHub = tmpDir();
    git(withGit, 'init', '-q', '-b', 'main');
    git(withGit, 'config', 'merge.conflictStyle', 'merge');
    expect((await runHub(['init'], { cwd: withHub, env: ID })).code).toBe(0);
    let steps = 0;
    for (const step of SCENARIO) {
      for (const dir of [withGit, withHub]) for (const [f, text] of Object.entries(step.write ?? {})) writeFileSync(join(dir, f), text);
      try {
        git(withGit, ...step.git);
        expect(step.conflicts, `git ${step.git.join(' ')} succeeded`).toBeFalsy();
      } catch (err) {
        if (!step.conflicts) throw err;
      }
      const r = await runHub(step.hub, { cwd: withHub, env: ID });
      expect(r.code, `hub ${step.hub.join(' ')}: ${r.stderr}`).toBe(step.conflicts ? 7 : 0);
      steps++;
    }
    expect(steps).toBe(SCENARIO.length);
    const head = reflog(withGit, 'HEAD');
    expect(head.length).toBeGreaterThan(15);
    expect(reflog(withHub, 'HEAD')).toEqual(head);
    for (const b of ['main', 'side', 'b2', 'b3']) expect(reflog(withHub, b), b).toEqual(reflog(withGit, b));
    expect(() => git(withHub, 'reflog', 'show', 'b4', '--')).toThrow(); // deleted with its branch, as git does
    // git resolves hub's entries
    expect(git(withHub, 'rev-parse', 'HEAD@{1}')).toBe(git(withHub, 'rev-parse', 'HEAD'));
    expect(git(withHub, 'rev-parse', 'main@{1}').trim()).toBe(git(withHub, 'rev-parse', 'main~1').trim());
  });
});
