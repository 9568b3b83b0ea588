/**
 * The launcher's pairing folders (server/launch-dir.ts): a new server removes the folders of
 * servers that are gone (killed with SIGKILL, they could not), and leaves alone a live server's
 * (by its pid, or by its socket that still answers: a server in another pid namespace), names
 * that are not a launcher's, and anything that is not a folder; once per process, at its first start.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeLaunchDir } from '../../../src/server/launch-dir.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

describe('the launcher pairing folder', () => {
  const given = process.env.TMPDIR;
  afterEach(() => {
    if (given === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = given;
  });

  it('removes the folders of servers that are gone, and only those', async () => {
    const root = tmpDir();
    process.env.TMPDIR = root;
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid names no process now
    const kept = join(tmpDir(), 'kept');
    mkdirSync(kept);
    const entries = {
      stale: `hub-launch-${dead}-aaaaaa`,
      live: `hub-launch-${process.pid}-bbbbbb`,
      other: 'hub-launch-cccccc', // an older name without a pid
      file: `hub-launch-${dead}-file`,
      link: `hub-launch-${dead}-link`,
      answering: `hub-launch-${dead}-dddddd`, // a pid not seen here, but its socket listens
    };
    mkdirSync(join(root, entries.stale));
    // the socket a server killed with SIGKILL leaves: the file, nothing listening
    const killed = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(join(root, entries.stale, 's'))}, () => process.kill(process.pid, 'SIGKILL'))`]);
    expect(killed.signal).toBe('SIGKILL');
    expect(statSync(join(root, entries.stale, 's')).isSocket()).toBe(true);
    mkdirSync(join(root, entries.live));
    mkdirSync(join(root, entries.other));
    writeFileSync(join(root, entries.file), '');
    symlinkSync(kept, join(root, entries.link));
    mkdirSync(join(root, entries.answering));
    const listener = createServer().listen(join(root, entries.answering, 's'));
    await once(listener, 'listening');

    try {
      const made = await makeLaunchDir();
      expect(existsSync(join(root, entries.stale))).toBe(false);
      for (const name of [entries.live, entries.other, entries.file, entries.link, entries.answering]) expect(existsSync(join(root, name)), name).toBe(true);
      expect(existsSync(kept)).toBe(true);
      expect(basename(made)).toMatch(new RegExp(`^hub-launch-${process.pid}-`));
      expect(statSync(made).mode & 0o777).toBe(0o700);
      // a helper started again while the server runs makes a folder without listing /tmp again
      mkdirSync(join(root, entries.stale));
      expect(await makeLaunchDir()).not.toBe(made);
      expect(existsSync(join(root, entries.stale))).toBe(true);
    } finally {
      listener.close();
    }
  });
});
