/**
 * The private folder of a launcher's pairing socket (launcher.ts), named after the server's pid:
 * a server killed with SIGKILL cannot remove its own, so each new one first removes the folders
 * of servers that are gone (only this user's folders, never a link).
 */
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '../fs/pid-alive.js';

const PREFIX = 'hub-launch-';

/** A new folder for this process's pairing socket (0700: only this user can connect), after removing those whose server is gone. */
export function makeLaunchDir(): string {
  const root = tmpdir();
  removeStale(root);
  return mkdtempSync(join(root, `${PREFIX}${process.pid}-`));
}

function removeStale(root: string): void {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const pid = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1];
    if (pid === undefined || pidAlive(Number(pid))) continue;
    try {
      const st = lstatSync(join(root, name));
      if (st.isDirectory() && (uid === undefined || st.uid === uid)) rmSync(join(root, name), { recursive: true, force: true });
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
}
