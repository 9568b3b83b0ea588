/**
 * Who a commit is by: `--author "Name <email>"`, else GIT_AUTHOR_NAME/EMAIL, else the
 * repository's user.name/user.email, else ~/.gitconfig's (a minimal reader of its [user]
 * section: hub never runs git).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { parseNameEmail, type GitIdentity } from '../../formats/git-object.js';
import { getConfig, type RepoPaths } from '../../repo/repository.js';

function globalUser(env: NodeJS.ProcessEnv): { name?: string; email?: string } {
  const home = env.HOME ?? homedir();
  const files = [join(home, '.gitconfig'), join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'git', 'config')];
  const out: { name?: string; email?: string } = {};
  for (const f of files) {
    if (!existsSync(f)) continue;
    let section = '';
    for (const raw of readFileSync(f, 'utf8').split('\n')) {
      const line = raw.trim();
      const sec = /^\[([^\]\s]+)\]$/.exec(line);
      if (sec) section = sec[1].toLowerCase();
      const kv = /^(\w+)\s*=\s*(.*)$/.exec(line);
      if (kv && section === 'user') {
        const key = kv[1].toLowerCase();
        const value = kv[2].replace(/^"(.*)"$/, '$1');
        if (key === 'name') out.name ??= value;
        if (key === 'email') out.email ??= value;
      }
    }
  }
  return out;
}

/** The author and committer of a new commit. */
export async function commitIdentities(paths: RepoPaths, env: NodeJS.ProcessEnv, author: string | undefined, now: Date): Promise<{ author: GitIdentity; committer: GitIdentity }> {
  const stamp = { timestamp: Math.floor(now.getTime() / 1000), timezoneOffset: -now.getTimezoneOffset() };
  const repoName = (await getConfig(paths, 'user.name')) as string | undefined;
  const repoEmail = (await getConfig(paths, 'user.email')) as string | undefined;
  const global = globalUser(env);
  const fallbackName = repoName ?? global.name;
  const fallbackEmail = repoEmail ?? global.email;
  let a: { name?: string; email?: string };
  if (author !== undefined) {
    const parsed = parseNameEmail(author);
    if (!parsed) throw new UsageError(`--author must look like 'Name <email>', not '${author}'`, {}, 'bad_author');
    a = parsed;
  } else a = { name: env.GIT_AUTHOR_NAME ?? fallbackName, email: env.GIT_AUTHOR_EMAIL ?? fallbackEmail };
  const c = { name: env.GIT_COMMITTER_NAME ?? fallbackName ?? a.name, email: env.GIT_COMMITTER_EMAIL ?? fallbackEmail ?? a.email };
  if (!a.name || a.email === undefined || !c.name || c.email === undefined) {
    throw new UsageError('who are you? no author name and email', { hint: "pass --author 'Name <email>' or set user.name and user.email" }, 'no_identity');
  }
  return { author: { name: a.name, email: a.email, ...stamp }, committer: { name: c.name, email: c.email, ...stamp } };
}
