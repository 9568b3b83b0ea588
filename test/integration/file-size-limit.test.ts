/**
 * A write the file system refuses as too large (EFBIG: FAT32's 4 GiB, or a file size limit), met
 * by a real clone and pull from a real `hub serve`, with the limit set by `ulimit -f` (node
 * ignores SIGXFSZ, so the write fails instead of killing it). Either kind of write can meet it:
 * a xorb written into the store (new data) or the working file (a file of zeros: one stored chunk,
 * megabytes written). Each time: exit 1, one line naming the error, not "unexpected"; HEAD and the
 * working tree where they were; no temporary file in the repository or the store; a healthy
 * store; and the same command without the limit completes.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { storeTmp, tmpFilesIn } from '../helpers/interrupt.js';
import { hubBin } from '../helpers/paths.js';
import { localRepoWithRemote } from '../helpers/remote-repo.js';
import { hubEnv, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../helpers/vectors.js';

const LIMIT_KIB = 2048; // every file of the test but the large ones stays well under 2 MiB
const LARGE = 6 << 20;
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** `hub ARGS` in `cwd` with the file size limit in force. */
function limited(args: string[], cwd: string, env: Record<string, string>): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', ['-c', `ulimit -f ${LIMIT_KIB} && exec "$0" "$@"`, process.execPath, hubBin, ...args], { cwd, env: hubEnv(env), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const errorLine = (stderr: string) => stderr.split('\n').find((l) => l.startsWith('hub: error:'));

/** Exit 1 with one error line (and its hint) naming the file size, never "unexpected". */
function expectTooLarge(r: { code: number | null; stderr: string }): void {
  expect(r.code, r.stderr).toBe(1);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('hub: error:'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(/^hub: error: file too large for this file system or the file size limit/);
  expect(r.stderr).toMatch(/\nhint: .*ulimit -f unlimited/);
}

/** `hub fsck` calls the store healthy and neither the store nor the repository holds a temporary file. */
async function expectClean(dir: string, env: Record<string, string>): Promise<void> {
  const r = await runHub(['fsck', '--json'], { cwd: dir, env });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).healthy).toBe(true);
  expect(tmpFilesIn(storeTmp(env.HUB_HOME))).toEqual([]);
  expect(tmpFilesIn(join(dir, '.git', 'hub', 'tmp'))).toEqual([]);
  expect(readdirSync(dir).filter((n) => n.includes('tmp'))).toEqual([]);
}

describe('a write refused as too large (EFBIG)', () => {
  let server: TestServer;
  let source: { dir: string; env: Record<string, string> };
  beforeAll(async () => {
    server = await startHubServe();
    source = await localRepoWithRemote(server, 'admin/big', { track: ['*.bin'] });
    writeFileSync(join(source.dir, 'small.bin'), mulberry32Bytes(1, 300_000));
    writeFileSync(join(source.dir, 'first.bin'), mulberry32Bytes(3, 3 << 20)); // over the limit: a clone meets it
    await runHubJson(['add', '-A'], { cwd: source.dir, env: source.env });
    await runHubJson(['commit', '-m', 'first'], { cwd: source.dir, env: source.env });
    await runHubJson(['push'], { cwd: source.dir, env: source.env });
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('stops a pull at a new xorb or a large working file, changes nothing, and the pull without the limit completes', async () => {
    const parent = tmpDir();
    const env = { HUB_HOME: tmpDir(), HUB_TOKEN: server.adminToken };
    await runHubJson(['clone', `${server.url}/admin/big`, 'b'], { cwd: parent, env }); // without the limit
    const b = join(parent, 'b');
    // first random data (the store's new xorb is the first large write), then zeros (one stored chunk: the working file is)
    for (const [name, bytes] of [['random.bin', mulberry32Bytes(2, LARGE)], ['zeros.bin', Buffer.alloc(LARGE)]] as const) {
      writeFileSync(join(source.dir, name), bytes);
      await runHubJson(['add', '-A'], { cwd: source.dir, env: source.env });
      await runHubJson(['commit', '-m', name], { cwd: source.dir, env: source.env });
      await runHubJson(['push'], { cwd: source.dir, env: source.env });
      const head = (await runHubJson(['log'], { cwd: b, env })).commits[0].id;
      const r = limited(['pull'], b, env);
      console.log(`pull of ${name}: ${errorLine(r.stderr)}`);
      expectTooLarge(r);
      expect((await runHubJson(['log'], { cwd: b, env })).commits[0].id, name).toBe(head);
      expect(existsSync(join(b, name)), name).toBe(false);
      expect((await runHubJson(['status'], { cwd: b, env })).clean, name).toBe(true);
      await expectClean(b, env);
      await runHubJson(['pull'], { cwd: b, env });
      expect(sha(join(b, name))).toBe(sha(join(source.dir, name)));
    }
  }, 120_000);

  it('stops a clone and leaves no clone behind; the clone without the limit completes', async () => {
    const parent = tmpDir();
    const env = { HUB_HOME: tmpDir(), HUB_TOKEN: server.adminToken };
    const r = limited(['clone', `${server.url}/admin/big`, 'c'], parent, env);
    console.log(`clone: ${errorLine(r.stderr)}`);
    expectTooLarge(r);
    expect(existsSync(join(parent, 'c'))).toBe(false);
    expect(tmpFilesIn(storeTmp(env.HUB_HOME))).toEqual([]);
    await runHubJson(['clone', `${server.url}/admin/big`, 'c'], { cwd: parent, env });
    const files = readdirSync(source.dir).filter((n) => n.endsWith('.bin'));
    expect(files).toContain('first.bin');
    for (const name of files) expect(sha(join(parent, 'c', name)), name).toBe(sha(join(source.dir, name)));
  }, 120_000);
});
