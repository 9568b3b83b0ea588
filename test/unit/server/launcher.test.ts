/**
 * The launcher (src/server/launcher.ts): `hub serve` starts its git processes from a small helper
 * process, so that a fork of the whole server does not hold its event loop. These tests start the
 * real helper (tsc's build of it: `npm test` builds first) and real processes through it.
 */
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { launch, launcherPid, startLauncher, stopLauncher, type Launched } from '../../../src/server/launcher.js';
import { repoRoot } from '../../helpers/paths.js';

const HELPER = `${repoRoot}/dist/server/launcher-process.js`;

/** Everything `child` printed on each descriptor, and how it ended. */
function outcome(child: Launched): Promise<{ out: string[]; code: number | null; signal: NodeJS.Signals | null }> {
  const out: string[] = child.stdio.map(() => '');
  child.stdio.forEach((s, i) => (s as NodeJS.ReadableStream | null)?.on('data', (b: Buffer) => (out[i] += b.toString('utf8'))));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ out, code, signal }));
  });
}

/** The parent pid of `pid`, from /proc. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('launcher', () => {
  afterEach(() => stopLauncher());

  it('starts a process from the helper, with its stdio and an extra descriptor usable both ways, blocking as a shell reads them', async () => {
    expect(await startLauncher(HELPER)).toBe(true);
    const helper = launcherPid();
    expect(helper).toBeGreaterThan(0);
    // the shell writes on fd 3, then reads the answer from it with its (blocking) `read`: a
    // descriptor left non-blocking made `read` fail at once
    const child = await launch('sh', ['-c', 'cat; echo err >&2; echo ask >&3; if read -r a <&3; then echo "got $a"; else echo "read failed"; fi; exit 3'], { extraFds: 1 });
    expect(parentOf(child.pid!)).toBe(helper);
    const fd3 = child.stdio[3] as NodeJS.ReadWriteStream;
    fd3.on('data', (b: Buffer) => b.toString().includes('ask') && fd3.write('answer\n'));
    const done = outcome(child);
    child.stdin.end('from stdin\n');
    const { out, code, signal } = await done;
    expect(out[1]).toBe('from stdin\ngot answer\n');
    expect(out[2]).toBe('err\n');
    expect(out[3]).toBe('ask\n');
    expect([code, signal]).toEqual([3, null]);
  });

  it('passes the environment, working directory and nice value, and a detached process leads its own group', async () => {
    expect(await startLauncher(HELPER)).toBe(true);
    const child = await launch('sh', ['-c', 'echo "$HUB_LAUNCH_TEST $(pwd)"; exec sleep 30'], { env: { ...process.env, HUB_LAUNCH_TEST: 'x y' }, cwd: '/tmp', detached: true, nice: 7 });
    const done = outcome(child);
    const printed = new Promise((resolve) => child.stdout.once('data', resolve));
    await printed;
    expect(getPriority(child.pid!)).toBe(7);
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').slice(readFileSync(`/proc/${child.pid}/stat`, 'utf8').lastIndexOf(')') + 2).split(' ');
    expect(Number(stat[2]), 'process group').toBe(child.pid);
    process.kill(-child.pid!, 'SIGTERM');
    const { out, code, signal } = await done;
    expect(out[1]).toBe('x y /tmp\n');
    expect([code, signal]).toEqual([null, 'SIGTERM']);
  });

  it('survives a child that exits leaving its stdin unread (a socket reports that as a read error, where a pipe does not)', async () => {
    expect(await startLauncher(HELPER)).toBe(true);
    const child = await launch('sh', ['-c', 'exit 0']);
    const done = outcome(child);
    child.stdin.write(Buffer.alloc(200_000, 1));
    expect((await done).code).toBe(0);
    await new Promise((r) => setTimeout(r, 200)); // an unhandled error would fail the run here
  });

  it('reports a command that cannot start as spawn does (an error event)', async () => {
    expect(await startLauncher(HELPER)).toBe(true);
    const child = await launch('hub-no-such-command', []);
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => child.once('error', resolve));
    expect(err.code).toBe('ENOENT');
    expect(launcherPid(), 'the helper lives on').toBeGreaterThan(0);
  });

  it('ends what ran when the helper dies, and starts a new helper for the next launch', async () => {
    expect(await startLauncher(HELPER)).toBe(true);
    const first = launcherPid()!;
    const child = await launch('sleep', ['30'], { detached: true });
    const exited = new Promise<unknown[]>((resolve) => child.once('exit', (...a: unknown[]) => resolve(a)));
    process.kill(first, 'SIGKILL');
    expect(await exited, 'reported ended, its status lost with the helper').toEqual([null, null]);
    process.kill(-child.pid!, 'SIGKILL');
    const next = await launch('sh', ['-c', 'echo again']);
    expect((await outcome(next)).out[1]).toBe('again\n');
    expect(launcherPid()).toBeGreaterThan(0);
    expect(launcherPid()).not.toBe(first);
  });

  it('spawns in this process when no helper runs (the hook process, a platform without it)', async () => {
    expect(launcherPid()).toBeUndefined();
    const child = await launch('sh', ['-c', 'cat'], {});
    expect(parentOf(child.pid!)).toBe(process.pid);
    const done = outcome(child);
    child.stdin.end('plain');
    expect((await done).out[1]).toBe('plain');
  });
});
