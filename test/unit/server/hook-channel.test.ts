// The exchange of the pre-receive check over the channel hub serve gives git (hook-channel.ts),
// on a real Unix socket, and the hook script's other path: a push that does not come through hub
// serve runs the hook process (a real git push to the bare directory).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBareRepo, shellQuote } from '../../../src/server/bare-repos.js';
import { HOOK_CHANNEL_HELLO, hookChannelFor, serveHookChannel } from '../../../src/server/hook-channel.js';
import { tmpDir } from '../../helpers/tmp-dir.js';

/** Sends `request` to a channel served by serveHookChannel for `bareDir`; resolves with the whole answer. */
async function ask(bareDir: string, request: string): Promise<string> {
  const path = join(tmpDir('hub-hook-channel-'), 's');
  const server = createServer((socket: Socket) => serveHookChannel(socket, { bareDir, env: { PATH: process.env.PATH } }));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  try {
    return await new Promise<string>((resolve, reject) => {
      const c = createConnection(path, () => c.write(request));
      let answer = '';
      c.setEncoding('utf8');
      c.on('data', (d: string) => (answer += d));
      c.on('end', () => resolve(answer));
      c.on('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('the pre-receive check over the channel', () => {
  it('accepts a push that adds no objects (a branch deleted): exit 0', async () => {
    const dir = join(tmpDir(), 'r.git');
    await createBareRepo(dir, { hookCommand: "'/bin/false'" });
    const answer = await ask(dir, `${HOOK_CHANNEL_HELLO}\n\n\n\n${'1'.repeat(40)} ${'0'.repeat(40)} refs/heads/gone\nend\n`);
    expect(answer).toBe('exit 0\n');
  });

  it('refuses a request that does not start with its greeting, or names object folders outside the repository, with a line saying so', async () => {
    const dir = join(tmpDir(), 'r.git');
    await createBareRepo(dir, { hookCommand: "'/bin/false'" });
    expect(await ask(dir, 'hello\n\n\n\nend\n')).toBe('msg hub: push refused: the pre-receive hook sent an unexpected request\nexit 1\n');
    for (const [quarantine, objects, alternates] of [['/tmp/elsewhere', '', ''], ['', `${dir}/../other.git/objects`, ''], ['', '', `${dir}/objects:/srv/x.git/objects`]]) {
      const answer = await ask(dir, `${HOOK_CHANNEL_HELLO}\n${quarantine}\n${objects}\n${alternates}\n${'1'.repeat(40)} ${'2'.repeat(40)} refs/heads/main\nend\n`);
      expect(answer).toBe('msg hub: push refused: the pre-receive hook named objects outside the repository\nexit 1\n');
    }
  });

  it('refuses a malformed ref line, as the hook process does (fail closed)', async () => {
    const dir = join(tmpDir(), 'r.git');
    await createBareRepo(dir, { hookCommand: "'/bin/false'" });
    const answer = await ask(dir, `${HOOK_CHANNEL_HELLO}\n\n\n\nnot a ref line\nend\n`);
    expect(answer).toMatch(/^msg hub: push refused: unexpected pre-receive input line "not a ref line"\nexit 1\n$/);
  });

  it('is not offered for a repository path git would quote (the hook process checks those pushes)', () => {
    expect(hookChannelFor('/srv/hub/repos/a/b.git', {})).toBeTypeOf('function');
    expect(hookChannelFor('/srv/h:ub/repos/a/b.git', {})).toBeUndefined();
    expect(hookChannelFor('/srv/h"ub/repos/a/b.git', {})).toBeUndefined();
  });
});

describe('the hook script without a channel', () => {
  it('runs the hook process for a push straight to the bare directory, also when HUB_HOOK_FD is set but names no open descriptor', async () => {
    const work = tmpDir();
    const bare = join(work, 'r.git');
    const marker = join(work, 'ran');
    const script = join(work, 'hook.sh');
    writeFileSync(script, `#!/bin/sh\ncat > ${shellQuote(marker)}\necho 'refused by the hook process' >&2\nexit 1\n`, { mode: 0o755 });
    await createBareRepo(bare, { hookCommand: shellQuote(script) });
    const src = join(work, 'src');
    const git = (args: string[], env: Record<string, string> = {}) =>
      spawnSync('git', args, { cwd: src, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: work, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x.invalid', ...env } });
    spawnSync('git', ['init', '-q', '-b', 'main', src]);
    writeFileSync(join(src, 'a.txt'), 'a\n');
    git(['add', 'a.txt']);
    git(['commit', '-q', '-m', 'a']);
    for (const env of [{}, { HUB_HOOK_FD: '3' }]) {
      const r = git(['push', bare, 'main'], env);
      expect(r.status, JSON.stringify(env)).not.toBe(0);
      expect(r.stderr).toContain('refused by the hook process');
    }
  });
});
