/**
 * The private folder of a launcher's pairing socket (launcher.ts), named after the server's pid:
 * a server killed with SIGKILL cannot remove its own, so each new one first removes the folders
 * of servers that are gone. Gone means both: no process has the pid here, and nothing listens on
 * the folder's socket (a server in another pid namespace that shares this temporary directory
 * still answers). Only this user's folders, never a link; once per process, at its first start
 * (a helper started again while serving does not list the temporary directory).
 */
import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '../fs/pid-alive.js';

const PREFIX = 'hub-launch-';
const NAMED = new RegExp(`^${PREFIX}(\\d+)-`);
/** The socket's name in its folder. */
export const LAUNCH_SOCKET = 's';

/** Whether this process has swept already (once: see above). */
let swept = false;

/** A new folder for this process's pairing socket (0700: only this user can connect), after removing those whose server is gone. */
export async function makeLaunchDir(): Promise<string> {
  const root = tmpdir();
  if (!swept) {
    swept = true;
    await removeStale(root);
  }
  return mkdtempSync(join(root, `${PREFIX}${process.pid}-`));
}

async function removeStale(root: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(root); // on the thread pool: a temporary directory can hold many entries
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const pid = NAMED.exec(name)?.[1];
    if (pid === undefined || pidAlive(Number(pid))) continue;
    const dir = join(root, name);
    try {
      const st = lstatSync(dir);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      if (await listening(join(dir, LAUNCH_SOCKET))) continue;
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
}

/** Whether something accepts connections on the Unix socket `path` (a refused or missing socket: no). */
function listening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
