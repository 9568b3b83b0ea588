/**
 * Keys of the server root shared by every `hub serve` on that root (several servers behind a load
 * balancer, or one restarted): `<root>/<name>`, 32 random bytes, mode 0600, made on first use.
 * The file is written whole under a temporary name and published with link(2), which fails when
 * another process published first: no server ever reads a half-written key, and two servers
 * starting at once end up with the same one.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes in a key. */
export const SERVER_KEY_BYTES = 32;

/** The key `<root>/<name>`, created when missing. */
export function serverKey(root: string, name: string): Buffer {
  const path = join(root, name);
  try {
    return check(path, readFileSync(path));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, randomBytes(SERVER_KEY_BYTES), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return check(path, readFileSync(path));
}

function check(path: string, key: Buffer): Buffer {
  if (key.length !== SERVER_KEY_BYTES) throw new Error(`${path} is damaged (not ${SERVER_KEY_BYTES} bytes): remove it and restart every server on this root`);
  return key;
}
