/**
 * File locking both ways (issue 15): the real `git lfs lock`, `git lfs locks` and
 * `git lfs unlock` against `hub serve`; a lock taken by git-lfs is seen by `hub locks` and
 * blocks `hub push` of another user (exit 7, the path and owner named, nothing pushed); a lock
 * taken by `hub lock` is seen and honoured by git-lfs; `lockable` files are read-only in a hub
 * clone until you lock them; and `hub push` against a server without locking goes on, as
 * git-lfs does, with `lfs.<url>.locksverify` deciding what a failed verification means.
 */
import { appendFileSync, chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authUrl, gitClient, type GitClient } from '../helpers/git-client.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startHubServe, type TestServer } from '../helpers/hub-server.js';
import { ID } from '../helpers/remote-repo.js';
import { lines, runHub, runHubJson } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { addMembers } from '../helpers/server-metadata.js';

/** The permission bits of a file. */
const perm = (path: string) => statSync(path).mode & 0o777;

/** Whether git's index entry of `path` in `dir` has the file's ctime (a chmod keeps the entry trusted: nothing is read again). */
function indexHasCtime(git: GitClient, dir: string, path: string): boolean {
  const m = /ctime: (\d+):(\d+)/.exec(git.run(dir, 'ls-files', '--debug', '--', path));
  const ns = statSync(join(dir, path), { bigint: true }).ctimeNs;
  return m !== null && BigInt(m[1]) * 1_000_000_000n + BigInt(m[2]) === ns;
}

describe('file locks between git-lfs, hub and hub serve', () => {
  let server: TestServer;
  let git: GitClient;
  const token = { alice: '', bob: '' };
  /** A hub environment of `who` (own HUB_HOME, own token). */
  const hubAs = (who: 'alice' | 'bob') => ({ ...ID, HUB_HOME: tmpDir(), HUB_TOKEN: token[who] });

  beforeAll(async () => {
    server = await startHubServe();
    git = gitClient();
    for (const user of ['alice', 'bob'] as const) token[user] = (await runHubJson(['token', 'create', '--root', server.root, '--user', user, '--write'])).token;
  });
  afterAll(async () => server?.stop());

  /** Creates alice/NAME with bob as a write member, and a first commit (pushed by alice with git + git-lfs): model.bin (LFS, lockable) and notes.txt. */
  async function sharedRepo(name: string): Promise<{ url: string; aliceGit: string }> {
    await runHubJson(['repo', 'create', `alice/${name}`, '--endpoint', server.url, '--token', token.alice]);
    await addMembers(server, 'alice', [name], 'bob', true);
    const work = tmpDir();
    const aliceGit = join(work, 'alice');
    git.run(work, 'clone', '-q', authUrl(server.host, `/alice/${name}`, token.alice, 'alice'), aliceGit);
    writeFileSync(join(aliceGit, '.gitattributes'), '*.bin filter=lfs diff=lfs merge=lfs -text lockable\n');
    writeFileSync(join(aliceGit, 'model.bin'), Buffer.alloc(5000, 1));
    writeFileSync(join(aliceGit, 'notes.txt'), 'v1\n');
    git.run(aliceGit, 'add', '-A');
    git.run(aliceGit, 'commit', '-q', '-m', 'one');
    git.run(aliceGit, 'push', '-q', 'origin', 'main');
    return { url: `${server.url}/alice/${name}`, aliceGit };
  }

  it('git lfs lock, locks and unlock work against hub serve; a git-lfs lock blocks hub push of another user', async () => {
    const { url, aliceGit } = await sharedRepo('interop');
    const locked = git.run(aliceGit, 'lfs', 'lock', 'model.bin');
    expect(locked).toContain('Locked model.bin');
    const listed = JSON.parse(git.run(aliceGit, 'lfs', 'locks', '--json'));
    expect(listed).toEqual([expect.objectContaining({ path: 'model.bin', owner: { name: 'alice' } })]);
    const twice = git.tryRun(aliceGit, 'lfs', 'lock', 'model.bin');
    expect(twice.status).not.toBe(0);
    expect(twice.stderr).toContain('model.bin is already locked by alice');

    // bob, with hub: sees the lock, and may not push a change to the file
    const bobEnv = hubAs('bob');
    const parent = tmpDir();
    await runHubJson(['clone', url, 'bob'], { cwd: parent, env: bobEnv });
    const bob = join(parent, 'bob');
    const seen = await runHubJson(['locks'], { cwd: bob, env: bobEnv });
    expect(seen.locks).toEqual([{ id: listed[0].id, path: 'model.bin', owner: 'alice', lockedAt: listed[0].locked_at }]);
    const verified = await runHubJson(['locks', '--verify'], { cwd: bob, env: bobEnv });
    expect(verified.locks).toEqual([expect.objectContaining({ path: 'model.bin', owner: 'alice', ours: false })]);
    writeFileSync(join(bob, 'notes.txt'), 'v2 by bob\n'); // an unlocked file: pushing it alone is fine
    await runHubJson(['add', '-A'], { cwd: bob, env: bobEnv });
    await runHubJson(['commit', '-m', 'notes'], { cwd: bob, env: bobEnv });
    expect((await runHubJson(['push'], { cwd: bob, env: bobEnv })).locks).toEqual({ verified: true, ours: [] });
    chmodSync(join(bob, 'model.bin'), 0o644); // read-only in bob's clone (lockable): he makes it writable himself
    writeFileSync(join(bob, 'model.bin'), Buffer.alloc(6000, 2));
    await runHubJson(['add', '-A'], { cwd: bob, env: bobEnv });
    await runHubJson(['commit', '-m', 'bob changes the model'], { cwd: bob, env: bobEnv });
    const before = git.run(aliceGit, 'ls-remote', 'origin', 'refs/heads/main');
    const refused = await runHub(['push'], { cwd: bob, env: bobEnv });
    expect(refused.code, refused.stderr).toBe(7);
    const errorLines = lines(refused.stderr).filter((l) => l.startsWith('hub: error: '));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toContain('model.bin (locked by alice)');
    const asJson = await runHub(['push', '--json'], { cwd: bob, env: bobEnv });
    expect(JSON.parse(asJson.stdout).error).toMatchObject({ code: 'locked_by_other', exitCode: 7, data: { locks: [expect.objectContaining({ path: 'model.bin', owner: 'alice' })] } });
    expect(git.run(aliceGit, 'ls-remote', 'origin', 'refs/heads/main'), 'nothing was pushed').toBe(before);

    // alice's own push of the file she locked goes through, and hub names her lock
    const aliceEnv = hubAs('alice');
    const aliceHub = join(tmpDir(), 'a');
    await runHubJson(['clone', url, aliceHub], { env: aliceEnv });
    writeFileSync(join(aliceHub, 'model.bin'), Buffer.alloc(7000, 3));
    await runHubJson(['add', '-A'], { cwd: aliceHub, env: aliceEnv });
    await runHubJson(['commit', '-m', 'alice changes the model'], { cwd: aliceHub, env: aliceEnv });
    expect((await runHubJson(['push'], { cwd: aliceHub, env: aliceEnv })).locks).toEqual({ verified: true, ours: ['model.bin'] });

    // git lfs unlock frees it: bob pulls, changes it again and pushes
    expect(git.run(aliceGit, 'lfs', 'unlock', 'model.bin')).toContain('Unlocked model.bin');
    expect(JSON.parse(git.run(aliceGit, 'lfs', 'locks', '--json'))).toEqual([]);
    expect((await runHubJson(['locks'], { cwd: bob, env: bobEnv })).locks).toEqual([]);
    await runHubJson(['fetch'], { cwd: bob, env: bobEnv });
    await runHubJson(['reset', '--hard', 'origin/main'], { cwd: bob, env: bobEnv });
    chmodSync(join(bob, 'model.bin'), 0o644);
    writeFileSync(join(bob, 'model.bin'), Buffer.alloc(8000, 4));
    await runHubJson(['add', '-A'], { cwd: bob, env: bobEnv });
    await runHubJson(['commit', '-m', 'bob, after the unlock'], { cwd: bob, env: bobEnv });
    await runHubJson(['push'], { cwd: bob, env: bobEnv });
    git.run(aliceGit, 'pull', '-q', 'origin', 'main');
    expect(readFileSync(join(aliceGit, 'model.bin')).equals(Buffer.alloc(8000, 4))).toBe(true);
  });

  it('hub lock against hub serve: git lfs locks sees it, git-lfs verifying locks refuses to push the file, hub unlock frees it', async () => {
    const { url, aliceGit } = await sharedRepo('hub-locks');
    const bobEnv = hubAs('bob');
    const bob = join(tmpDir(), 'b');
    await runHubJson(['clone', url, bob], { env: bobEnv });
    const took = await runHubJson(['lock', 'model.bin'], { cwd: bob, env: bobEnv });
    expect(took).toEqual({ remote: 'origin', locks: [expect.objectContaining({ path: 'model.bin', owner: 'bob' })] });
    expect(git.run(aliceGit, 'lfs', 'locks')).toMatch(/^model\.bin\s+bob\s+ID:/);
    // hub lock of a held path: exit 7 naming the holder
    const again = await runHub(['lock', 'model.bin'], { cwd: bob, env: bobEnv });
    expect(again.code).toBe(7);
    expect(again.stderr).toContain('model.bin is already locked by bob');
    // git-lfs with lock verification on refuses alice's push of the file bob holds
    writeFileSync(join(aliceGit, 'model.bin'), Buffer.alloc(4000, 9));
    git.run(aliceGit, 'commit', '-q', '-am', 'alice changes the model');
    git.run(aliceGit, 'config', `lfs.${server.url}/alice/hub-locks.git/info/lfs.locksverify`, 'true');
    const pushed = git.tryRun(aliceGit, 'push', 'origin', 'main');
    expect(pushed.status).not.toBe(0);
    expect(pushed.stdout + pushed.stderr).toMatch(/model\.bin - bob/);
    // alice may not unlock bob's lock, not even as the repository owner without force
    const aliceEnv = hubAs('alice');
    const aliceHub = join(tmpDir(), 'a');
    await runHubJson(['clone', url, aliceHub], { env: aliceEnv });
    const denied = await runHub(['unlock', 'model.bin'], { cwd: aliceHub, env: aliceEnv });
    expect(denied.code).toBe(4);
    expect(denied.stderr).toContain('locked by bob');
    // bob unlocks; git lfs locks is empty; alice's git push now goes through
    expect(await runHubJson(['unlock', 'model.bin'], { cwd: bob, env: bobEnv })).toEqual({ remote: 'origin', unlocked: [expect.objectContaining({ path: 'model.bin', owner: 'bob' })] });
    expect(git.run(aliceGit, 'lfs', 'locks')).toBe('');
    git.run(aliceGit, 'push', '-q', 'origin', 'main');
    // the owner may force: bob locks again, alice breaks it with --force
    await runHubJson(['lock', 'model.bin'], { cwd: bob, env: bobEnv });
    const forced = await runHubJson(['unlock', 'model.bin', '--force'], { cwd: aliceHub, env: aliceEnv });
    expect(forced.unlocked[0]).toMatchObject({ path: 'model.bin', owner: 'bob' });
    const none = await runHub(['unlock', 'model.bin'], { cwd: aliceHub, env: aliceEnv });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no lock on model.bin');
  });

  it('lockable files are read-only in a hub clone, writable while you hold the lock, read-only again after unlock', async () => {
    const { url } = await sharedRepo('lockable');
    const env = hubAs('bob');
    const dir = join(tmpDir(), 'c');
    await runHubJson(['clone', url, dir], { env });
    expect(perm(join(dir, 'model.bin')) & 0o222, 'lockable: no write bit').toBe(0);
    expect(perm(join(dir, 'notes.txt')) & 0o200, 'not lockable: writable').toBe(0o200);
    // the index is written well after the file (not racily clean), so its entry is trusted before the lock
    await new Promise((r) => setTimeout(r, 100));
    await runHubJson(['add', 'model.bin'], { cwd: dir, env });
    expect(indexHasCtime(git, dir, 'model.bin')).toBe(true);
    await runHubJson(['lock', 'model.bin'], { cwd: dir, env });
    expect(perm(join(dir, 'model.bin')) & 0o200).toBe(0o200);
    expect(indexHasCtime(git, dir, 'model.bin'), 'the index entry follows the chmod').toBe(true);
    expect(git.run(dir, 'status', '--porcelain')).toBe('');
    // a checkout that rewrites a file you hold keeps it writable
    writeFileSync(join(dir, 'model.bin'), Buffer.alloc(100, 5));
    await runHubJson(['add', '-A'], { cwd: dir, env });
    await runHubJson(['commit', '-m', 'small model'], { cwd: dir, env });
    await runHubJson(['checkout', 'HEAD~1'], { cwd: dir, env });
    expect(readFileSync(join(dir, 'model.bin')).equals(Buffer.alloc(5000, 1))).toBe(true);
    expect(perm(join(dir, 'model.bin')) & 0o200).toBe(0o200);
    await runHubJson(['checkout', 'main'], { cwd: dir, env });
    // unlocking with uncommitted changes is refused without --force
    appendFileSync(join(dir, 'model.bin'), 'more');
    const dirty = await runHub(['unlock', 'model.bin'], { cwd: dir, env });
    expect(dirty.code).toBe(7);
    expect(dirty.stderr).toContain('uncommitted changes');
    await runHubJson(['restore', 'model.bin'], { cwd: dir, env });
    await runHubJson(['unlock', 'model.bin'], { cwd: dir, env });
    expect(perm(join(dir, 'model.bin')) & 0o222).toBe(0);
    expect((await runHubJson(['status'], { cwd: dir, env })).clean).toBe(true);
    expect(git.run(dir, 'status', '--porcelain')).toBe('');
    // checkouts write it read-only again once the lock is gone
    await runHubJson(['checkout', 'HEAD~1'], { cwd: dir, env });
    expect(perm(join(dir, 'model.bin')) & 0o222).toBe(0);
  });

  it('a server without locking (404 on verify) does not stop a push; lfs.<url>.locksverify decides about failures', async () => {
    const { url } = await sharedRepo('no-locking');
    const env = hubAs('alice');
    const dir = join(tmpDir(), 'd');
    await runHubJson(['clone', url, dir], { env });
    const commit = async (text: string) => {
      writeFileSync(join(dir, 'notes.txt'), text);
      await runHubJson(['add', '-A'], { cwd: dir, env });
      await runHubJson(['commit', '-m', text], { cwd: dir, env });
    };
    const verify = (req: { method?: string; url?: string }) => req.method === 'POST' && (req.url ?? '').endsWith('/locks/verify');
    const proxies: Array<Awaited<ReturnType<typeof startFaultProxy>>> = [];
    const via = async (fault: 'status404' | 'status500', fn: (remote: string) => Promise<void>) => {
      const proxy = await startFaultProxy(server.url, [{ match: verify, fault, times: Infinity }]);
      proxies.push(proxy);
      try {
        await runHubJson(['remote', 'remove', 'origin'], { cwd: dir, env });
        await runHubJson(['remote', 'add', 'origin', `${proxy.url}/alice/no-locking`], { cwd: dir, env });
        await fn(proxy.url);
        expect(proxy.rules[0].hits, 'the verification was asked for').toBeGreaterThan(0);
      } finally {
        await proxy.close();
      }
    };
    await via('status404', async () => {
      await commit('a\n');
      expect((await runHubJson(['push'], { cwd: dir, env })).locks).toEqual({ verified: false, ours: [] });
    });
    await via('status500', async (remote) => {
      await commit('b\n');
      // unset: the failure is a note, the push goes on
      expect((await runHubJson(['push'], { cwd: dir, env })).locks.verified).toBe(false);
      await commit('c\n');
      git.run(dir, 'config', `lfs.${remote}/alice/no-locking.git/info/lfs.locksverify`, 'true');
      const failed = await runHub(['push'], { cwd: dir, env: { ...env, HUB_RETRIES: '1' } });
      expect(failed.code, failed.stderr).toBe(6);
      expect(failed.stderr).toContain('verifying locks');
      // false: not even asked
      git.run(dir, 'config', `lfs.${remote}/alice/no-locking.git/info/lfs.locksverify`, 'false');
      const asked = proxies.at(-1)!.rules[0].hits;
      await runHubJson(['push'], { cwd: dir, env });
      expect(proxies.at(-1)!.rules[0].hits).toBe(asked);
    });
  });
});
