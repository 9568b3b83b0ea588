import { spawn } from 'node:child_process';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICE, lowerPriority } from '../../../src/server/background-priority.js';

describe('lowerPriority', () => {
  it('gives a child process the background nice value, which its own children inherit', async () => {
    // the shell forks only after it reads a line, so the grandchild is made after the change
    const child = spawn('sh', ['-c', 'read x; sleep 0.3 & echo $!; wait'], { stdio: ['pipe', 'pipe', 'ignore'] });
    lowerPriority(child.pid);
    child.stdin.end('go\n');
    const grandchild = Number((await new Promise<Buffer>((r) => child.stdout.once('data', r))).toString().trim());
    expect(getPriority(child.pid)).toBe(BACKGROUND_NICE);
    expect(getPriority(grandchild)).toBe(BACKGROUND_NICE);
    await new Promise((r) => child.on('close', r));
  });

  it('ignores a process that is gone', () => {
    expect(() => lowerPriority(2 ** 22 + 12345)).not.toThrow();
    expect(() => lowerPriority(undefined)).not.toThrow();
  });
});
