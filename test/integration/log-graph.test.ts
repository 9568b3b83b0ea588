/**
 * Issue 14: `hub log --graph` draws what `git log --graph` draws (the same columns, the same
 * order), on a fixed history with merges, crossings and a branch off a merge, on octopus merges
 * made by `git merge a b c`, and on random histories (seeded: branches made, committed to and
 * merged into each other at random, sometimes several at once).
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runHub } from '../helpers/run-hub.js';
import { seededRandom, testSeed } from '../helpers/seed.js';
import { tmpDir } from '../helpers/tmp-dir.js';

const ID = { GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' };

/** A git repository driven by git itself, each commit a minute after the last (so the order is git's, not a tie). */
function gitRepo() {
  const dir = tmpDir();
  let t = 1_760_000_000;
  const env = () => {
    const date = `@${(t += 60)} +0000`;
    return { ...process.env, ...ID, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date, GIT_CONFIG_NOSYSTEM: '1', HOME: dir };
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: env(), encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  /** A commit on the current branch touching only the file of `branch` (so merges never conflict). */
  const commit = (msg: string, branch: string) => {
    appendFileSync(join(dir, `f-${branch}`), `${msg}\n`);
    git('add', '-A');
    git('commit', '-q', '-m', msg);
  };
  /** A merge of one branch, or an octopus merge of several (git's own `git merge a b c`). */
  const merge = (...branches: string[]) => git('merge', '-q', '--no-ff', '--no-edit', ...branches);
  return { dir, git, commit, merge };
}

async function hubLog(dir: string, ...args: string[]): Promise<string> {
  const r = await runHub(['log', ...args], { cwd: dir, env: ID });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** Compares hub's log with git's for each form; returns how many forms were compared. */
async function compare(dir: string, git: (...a: string[]) => string, label: string): Promise<number> {
  const forms = [['--graph', '--oneline', '--all'], ['--graph', '--oneline'], ['--graph', '--all'], ['--graph', '--oneline', '-n', '4', '--all']];
  for (const f of forms) expect(await hubLog(dir, ...f), `${label}: log ${f.join(' ')}`).toBe(git('log', ...f, '--decorate'));
  return forms.length;
}

describe('hub log --graph', () => {
  it('draws a history with merges, a crossing and a branch off a merge as git does', async () => {
    const r = gitRepo();
    r.commit('base', 'main');
    r.git('checkout', '-q', '-b', 'side');
    r.commit('s1', 'side');
    r.commit('s2', 'side');
    r.git('checkout', '-q', 'main');
    r.commit('m1', 'main');
    r.git('checkout', '-q', '-b', 'other');
    r.commit('o1', 'other');
    r.git('checkout', '-q', 'main');
    r.merge('side');
    r.commit('m2', 'main');
    r.git('checkout', '-q', 'other');
    r.commit('o2', 'other');
    r.git('checkout', '-q', 'main');
    r.merge('other');
    r.git('checkout', '-q', '-b', 'x', 'HEAD~2');
    r.commit('x1', 'x');
    r.git('checkout', '-q', 'main');
    r.commit('m3', 'main');
    r.git('tag', 'v1', 'HEAD~1');
    const oneline = await hubLog(r.dir, '--graph', '--oneline', '--all');
    expect(oneline).toContain('|\\');
    expect(oneline).toContain('|/');
    expect(await compare(r.dir, r.git, 'fixed')).toBe(4);
  });

  it('draws octopus merges as git does: expansion rows, dashes, one edge per parent', async () => {
    const r = gitRepo();
    r.commit('base', 'main');
    for (const b of ['a', 'b', 'c', 'd']) {
      r.git('checkout', '-q', '-b', b, 'main');
      r.commit(`${b}1`, b);
    }
    // a branch that stays to the right of the merges (so they need room: git's pre-commit rows)
    r.git('checkout', '-q', '-b', 'side', 'main');
    r.commit('s1', 'side');
    r.git('checkout', '-q', 'main');
    r.commit('m1', 'main');
    r.merge('a', 'b', 'c'); // 4 parents
    r.commit('m2', 'main');
    r.git('checkout', '-q', 'side');
    r.commit('s2', 'side');
    r.git('checkout', '-q', '-b', 'e', 'main');
    r.commit('e1', 'e');
    r.git('checkout', '-q', '-b', 'f', 'main~1');
    r.commit('f1', 'f');
    r.git('checkout', '-q', 'main');
    r.merge('d', 'e'); // 3 parents
    r.commit('m3', 'main');
    r.git('checkout', '-q', '-b', 'g', 'main~3');
    r.commit('g1', 'g');
    r.git('checkout', '-q', 'side');
    r.merge('f', 'g', 'main'); // 4 parents, its first parent the side branch
    const parents = r.git('log', '--all', '--format=%p').split('\n').map((l) => l.split(' ').filter(Boolean).length);
    expect(parents.filter((n) => n === 4)).toHaveLength(2);
    expect(parents.filter((n) => n === 3)).toHaveLength(1);
    const oneline = await hubLog(r.dir, '--graph', '--oneline', '--all');
    expect(oneline).toMatch(/\*-{1,3}\./); // git's dashes towards the extra parents
    expect(oneline).toMatch(/\|\\ \\/); // an edge per parent under the merge
    expect(await compare(r.dir, r.git, 'octopus')).toBe(4);
  });

  it('draws random histories as git does', async () => {
    const seed = testSeed('log --graph');
    const random = seededRandom(seed);
    let compared = 0;
    for (let round = 0; round < 2; round++) {
      const r = gitRepo();
      const branches = ['main'];
      let current = 'main';
      r.commit('c0', 'main');
      for (let step = 1; step < 20; step++) {
        const pick = () => branches[Math.floor(random() * branches.length)]!;
        const roll = random();
        if (roll < 0.2 && branches.length < 6) {
          const name = `b${step}`;
          r.git('checkout', '-q', '-b', name, pick());
          branches.push(name);
          current = name;
        } else if (roll < 0.45 && branches.length > 1) {
          const other = pick();
          if (other !== current) r.merge(other);
        } else if (roll < 0.6) {
          current = pick();
          r.git('checkout', '-q', current);
        }
        r.commit(`c${step}`, current);
      }
      compared += await compare(r.dir, r.git, `seed ${seed} round ${round}`);
    }
    expect(compared).toBe(8);
  });

  it('draws random histories with octopus merges as git does', async () => {
    const seed = testSeed('log --graph octopus');
    const random = seededRandom(seed);
    let compared = 0;
    let octopus = 0;
    for (let round = 0; round < 3; round++) {
      const r = gitRepo();
      const branches = ['main'];
      let current = 'main';
      r.commit('c0', 'main');
      for (let step = 1; step < 16; step++) {
        const roll = random();
        if ((roll < 0.3 || branches.length < 3) && branches.length < 7) {
          const name = `b${step}`;
          r.git('checkout', '-q', '-b', name, branches[Math.floor(random() * branches.length)]!);
          branches.push(name);
          current = name;
        } else if (roll < 0.6) {
          // git merge of two to four other branches (git leaves out those already merged)
          const others = branches.filter((b) => b !== current).sort(() => random() - 0.5).slice(0, 2 + Math.floor(random() * 3));
          r.merge(...others);
          if (r.git('log', '-1', '--format=%p').trim().split(' ').length > 2) octopus++;
        } else if (roll < 0.8) {
          current = branches[Math.floor(random() * branches.length)]!;
          r.git('checkout', '-q', current);
        }
        r.commit(`c${step}`, current);
      }
      compared += await compare(r.dir, r.git, `seed ${seed} round ${round}`);
    }
    expect(compared).toBe(12);
    console.log(`log --graph: ${octopus} octopus merges in the random histories (seed ${seed})`);
  });
});
