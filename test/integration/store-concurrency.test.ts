import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubBin } from '../helpers/paths.js';
import { hubEnv, runHub } from '../helpers/run-hub.js';
import { tmpDir } from '../helpers/tmp-dir.js';
import { mulberry32Bytes } from '../helpers/vectors.js';

function run(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [hubBin, ...args], { cwd, env: hubEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

describe('many hub processes on one store at once', () => {
  it('adds, reads and measures concurrently without "database is locked" or damage', async () => {
    const dir = tmpDir();
    for (let i = 0; i < 6; i++) writeFileSync(join(dir, `f${i}.bin`), mulberry32Bytes(500 + i, 2_000_000 + i));
    // a shared chunk run in every file makes the adds race on the same index rows
    const shared = mulberry32Bytes(999, 1_000_000);
    for (let i = 0; i < 6; i++) writeFileSync(join(dir, `g${i}.bin`), Buffer.concat([shared, mulberry32Bytes(600 + i, 300_000)]));
    const jobs = [];
    for (let i = 0; i < 6; i++) jobs.push(run(['store', 'add', `f${i}.bin`, `g${i}.bin`], dir), run(['du'], dir), run(['fsck'], dir));
    const results = await Promise.all(jobs);
    for (const r of results) {
      expect(r.stderr).not.toMatch(/locked|unexpected/);
      expect(r.code, r.stderr).toBe(0);
    }
    const fsck = await runHub(['fsck', '--json'], { cwd: dir });
    expect(fsck.code).toBe(0);
    expect(JSON.parse(fsck.stdout).checked.manifests).toBe(12);
  });
});
