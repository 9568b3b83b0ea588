/** Keys of the server root (server-key.ts): one key per name whatever the number of servers starting at once, never half-written. */
import { spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serverKey } from '../../../src/server/server-key.js';
import { createUploadGrants } from '../../../src/server/upload-grant.js';
import { repoRoot } from '../../helpers/paths.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

/** Runs `serverKey(root, name)` in `n` processes started together; their keys in hex. */
function raceProcesses(root: string, name: string, n: number): Promise<string[]> {
  const mod = pathToFileURL(join(repoRoot, 'dist/server/server-key.js')).href;
  const code = `const { serverKey } = await import(${JSON.stringify(mod)}); process.stdout.write(serverKey(${JSON.stringify(root)}, ${JSON.stringify(name)}).toString('hex'));`;
  return Promise.all(
    Array.from({ length: n }, () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (b: Buffer) => (out += b));
        child.stderr.on('data', (b: Buffer) => (err += b));
        child.on('close', (c) => (c === 0 ? resolve(out) : reject(new Error(err))));
      }),
    ),
  );
}

describe('server root keys', () => {
  it('gives every process on the root the same key, made once, 0600, with no temporary file left', async () => {
    const root = tmpDir();
    const keys = await raceProcesses(root, 'upload-grant.key', 8);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(serverKey(root, 'upload-grant.key').toString('hex')).toBe(keys[0]);
    expect(statSync(join(root, 'upload-grant.key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(root)).toEqual(['upload-grant.key']);
  });

  it('refuses a damaged key with a line naming the file', () => {
    const root = tmpDir();
    writeFileSync(join(root, 'web-session.key'), 'short');
    expect(() => serverKey(root, 'web-session.key')).toThrow(/web-session\.key is damaged \(not 32 bytes\)/);
  });

  it('lets a second server on the root accept the upload grants of the first', () => {
    const root = tmpDir();
    const one = createUploadGrants({ secret: serverKey(root, 'upload-grant.key') });
    const two = createUploadGrants({ secret: serverKey(root, 'upload-grant.key') });
    const other = createUploadGrants({ secret: serverKey(tmpDir(), 'upload-grant.key') });
    const grant = new URLSearchParams(one.sign(7, 'a'.repeat(64)));
    expect(two.verify(7, 'a'.repeat(64), grant)).toBe(true);
    expect(two.verify(8, 'a'.repeat(64), grant)).toBe(false);
    expect(other.verify(7, 'a'.repeat(64), grant)).toBe(false);
  });
});
