/** Scratch folders of servers sharing a root (server-tmp.ts): a starting server removes only what stopped servers of its host left, and old folders of other hosts. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FOREIGN_TMP_MS, serverTmpDir } from '../../../src/server/server-tmp.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

describe('server scratch folders', () => {
  it("keeps a running server's uploads, and another host's recent ones; removes a stopped server's and stale ones", () => {
    const root = tmpDir();
    const base = join(root, 'tmp');
    mkdirSync(base);
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout; // exited
    const folder = (name: string) => {
      mkdirSync(join(base, name));
      writeFileSync(join(base, name, 'upload'), 'x');
      return name;
    };
    const running = folder(`${hostname()}-${process.pid}-0123abcd`);
    const stopped = folder(`${hostname()}-${deadPid}-89abcdef`);
    const otherHost = folder('elsewhere.example-42-00000000');
    const oldOtherHost = folder('gone.example-7-11111111');
    const old = new Date(Date.now() - FOREIGN_TMP_MS - 60_000);
    utimesSync(join(base, oldOtherHost), old, old);
    const mine = serverTmpDir(root);
    const again = serverTmpDir(root); // a second server on the root
    expect(mine).not.toBe(again);
    expect(readdirSync(base).sort()).toEqual([running, otherHost, mine.split('/').pop(), again.split('/').pop()].sort());
    expect(existsSync(join(base, running, 'upload'))).toBe(true);
    expect(existsSync(join(base, stopped))).toBe(false);
  });
});
