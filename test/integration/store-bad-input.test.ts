import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hubBin } from '../helpers/paths.js';
import { hubEnv, hubHome, lines, runHub } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';

/** Exactly one stderr line, the error, naming `what`; no stack trace. */
function expectOneLine(stderr: string, what: RegExp): void {
  const all = lines(stderr);
  expect(all, stderr).toHaveLength(1);
  expect(all[0]).toMatch(/^hub: error: /);
  expect(all[0]).toMatch(what);
}

describe('bad input gets a one-line error and the right exit code', () => {
  it('a missing file: 3', async () => {
    const dir = tmpDir();
    for (const args of [['store', 'add', 'nope.bin'], ['chunk', 'nope.bin']]) {
      const r = await runHub(args, { cwd: dir });
      expect(r.code).toBe(3);
      expectOneLine(r.stderr, /nope\.bin/);
    }
  });

  it('a directory: 2', async () => {
    const dir = tmpDir();
    mkdirSync(join(dir, 'weights'));
    for (const args of [['store', 'add', 'weights'], ['chunk', 'weights'], ['store', 'cat', 'weights']]) {
      const r = await runHub(args, { cwd: dir });
      expect(r.code).toBe(2);
      expectOneLine(r.stderr, /weights is a directory/);
    }
  });

  it('an unreadable file: 4', (testCtx) => {
    const asRoot = process.getuid?.() === 0;
    // root reads anything, so as root hub runs as nobody (uid 65534), who must reach the build
    if (asRoot && spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(hubBin)}, 4)`], { uid: 65534, gid: 65534 }).status !== 0) {
      console.log('unreadable-file test skipped: uid 65534 cannot read this checkout');
      testCtx.skip();
    }
    const dir = tmpDir();
    chmodSync(dir, 0o755);
    const file = join(dir, 'secret.bin');
    writeFileSync(file, 'x'.repeat(100));
    chmodSync(file, 0o000);
    const r = spawnSync(process.execPath, [hubBin, 'chunk', file], {
      env: hubEnv({ HUB_HOME: dir }),
      encoding: 'utf8',
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(r.status).toBe(4);
    expectOneLine(r.stderr, /permission denied: .*secret\.bin/);
  });

  it('an invalid oid: 2', async () => {
    for (const bad of ['xyz', 'sha256:1234', 'g'.repeat(64)]) {
      const r = await runHub(['store', 'cat', bad], { cwd: tmpDir() });
      expect(r.code).toBe(2);
      expectOneLine(r.stderr, /oid/);
    }
  });

  it('an oid the store does not have: 3', async () => {
    const r = await runHub(['store', 'cat', 'ab'.repeat(32)], { cwd: tmpDir() });
    expect(r.code).toBe(3);
    expectOneLine(r.stderr, /abab.* is not in the store/);
  });

  it('a malformed pointer: 1, naming what is wrong', async () => {
    const dir = tmpDir();
    const fixtures = join(import.meta.dirname, '../../fixtures/pointers');
    writeFileSync(join(dir, 'no-size.pointer'), readFileSync(join(fixtures, 'missing-size.pointer')));
    const r = await runHub(['store', 'cat', 'no-size.pointer'], { cwd: dir });
    expect(r.code).toBe(1);
    expectOneLine(r.stderr, /not a Git LFS pointer: .*size/);
    // and a valid pointer file resolves to its oid (not in this store: 3)
    const valid = readFileSync(join(fixtures, 'canonical.pointer'));
    writeFileSync(join(dir, 'ok.pointer'), valid);
    expect((await runHub(['store', 'cat', 'ok.pointer'], { cwd: dir })).code).toBe(3);
  });

  it('--json errors are one JSON document on stdout', async () => {
    const r = await runHub(['store', 'add', 'missing.bin', '--json'], { cwd: tmpDir() });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'file_not_found', exitCode: 3 });
  });

  it('a store whose chunk index a newer hub wrote: 1, naming it, and the store is left as it was', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'w.bin'), 'w'.repeat(1000));
    expect((await runHub(['store', 'add', 'w.bin'], { cwd: dir })).code).toBe(0);
    const indexPath = join(hubHome(), 'store', 'index.sqlite');
    const db = new Database(indexPath);
    db.pragma('user_version = 99');
    db.close();
    for (const args of [['du'], ['store', 'add', 'w.bin']]) {
      const r = await runHub(args, { cwd: dir });
      expect(r.code, r.stderr).toBe(1);
      const [first, ...rest] = lines(r.stderr);
      expect(first).toMatch(/^hub: error: the chunk index .*index\.sqlite has schema version 99, newer than this hub reads/);
      expect(rest).toEqual(['hint: upgrade hub, or give this hub a store of its own with HUB_HOME']);
    }
    const after = new Database(indexPath, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(99);
    after.close();
  });

  it('a full disk: 1, one line naming it, not "unexpected" (stdout is /dev/full, which answers every write with ENOSPC)', async () => {
    const dir = tmpDir();
    writeFileSync(join(dir, 'w.bin'), Buffer.alloc(200_000, 3));
    const env = hubEnv();
    const added = spawnSync(process.execPath, [hubBin, 'store', 'add', 'w.bin', '--json'], { cwd: dir, env, encoding: 'utf8' });
    expect(added.status, added.stderr).toBe(0);
    const oid = JSON.parse(added.stdout).files[0].oid as string;
    const full = spawnSync('sh', ['-c', `exec "$0" "$1" -q store cat ${oid} > /dev/full`, process.execPath, hubBin], { cwd: dir, env, encoding: 'utf8' });
    expect(full.status, full.stderr).toBe(1);
    expectOneLine(full.stderr.split('\n').filter((l) => !l.startsWith('hint:')).join('\n'), /^hub: error: no space left on device/);
    expect(full.stderr).toMatch(/\nhint: free some space/);
  });
});
