/**
 * The pre-receive check run inside `hub serve` instead of in a process of its own. For a push
 * it serves, the server starts `git http-backend` with one more descriptor, a socket to itself
 * (`HUB_HOOK_FD=3`), which git passes on to receive-pack and so to the hook. The hook script
 * (bare-repos.ts) then does no more than hand the check to the server over it and print the
 * answer, where it used to start node, load the hook's modules and open the metadata database:
 * ~150 ms of CPU per push on a two-core machine, taken from the registration it runs beside
 * (docs/performance.md, "The check inside the server"). A push that does not come through hub
 * serve (straight to the directory, by an administrator) finds no channel and starts the hook
 * process as before; the check is the same code either way (runPreReceive).
 *
 * The exchange, one line each way at a time (paths and ref names hold no newline):
 *   hook -> server: `hub-pre-receive 1`, GIT_QUARANTINE_PATH, GIT_OBJECT_DIRECTORY,
 *                   GIT_ALTERNATE_OBJECT_DIRECTORIES, then git's `<old> <new> <ref>` lines, then `end`
 *   server -> hook: `msg TEXT` lines (printed on the hook's stderr: the pusher's `remote:` lines),
 *                   then `exit N` (0 accepts the push).
 * Anything else, or an object directory outside the repository, is refused (exit 1): the check
 * fails closed, as the hook process does.
 */
import type { Duplex } from 'node:stream';
import { resolve, sep } from 'node:path';
import { runPreReceive } from './pre-receive-hook.js';

/** The first line a hook sends. */
export const HOOK_CHANNEL_HELLO = 'hub-pre-receive 1';
/** The descriptor git's processes find the channel on (the fourth of http-backend's stdio). */
export const HOOK_CHANNEL_FD = 3;
/** The most a request may hold before `end` (ref lines are ~100 bytes; a push of 10,000 refs is ~1 MB). */
const MAX_REQUEST_BYTES = 16 << 20;

/** What the check needs besides the request: the repository and the environment of its git commands and database. */
export interface HookChannelOptions {
  /** The bare repository pushed to. */
  bareDir: string;
  /** The environment of the git commands (quarantine variables are added from the request) and of the presence check (HUB_SERVE_DB, HUB_REPO_ID). */
  env: NodeJS.ProcessEnv;
}

/** Answers the pre-receive check a hook asks for on `channel` (see the module comment). */
export function serveHookChannel(channel: Duplex, opts: HookChannelOptions): void {
  let text = '';
  let answered = false;
  channel.on('error', () => {}); // the hook went away: nothing to answer
  channel.setEncoding('utf8');
  const onData = (part: string): void => {
    text += part;
    if (text.length > MAX_REQUEST_BYTES) return answer(['hub: push refused: the pre-receive request is too long'], 1);
    if (text !== 'end\n' && !text.endsWith('\nend\n')) return; // not a regular expression: it would rescan all of `text` per part
    channel.removeListener('data', onData);
    const lines = text.split('\n');
    lines.pop(); // after `end`
    lines.pop(); // `end`
    void check(lines).then(
      ({ messages, code }) => answer(messages, code),
      (err: unknown) => answer([`hub: push refused: ${(err as Error).message ?? String(err)}`], 1), // fails closed
    );
  };
  const answer = (messages: string[], code: number): void => {
    if (answered) return;
    answered = true;
    channel.removeListener('data', onData);
    const out = messages.flatMap((m) => m.split('\n')).filter((m) => m !== '').map((m) => `msg ${m}\n`);
    channel.end(`${out.join('')}exit ${code}\n`);
  };
  channel.on('data', onData);

  const check = async (lines: string[]): Promise<{ messages: string[]; code: number }> => {
    const [hello, quarantine, objects, alternates, ...refs] = lines;
    if (hello !== HOOK_CHANNEL_HELLO || alternates === undefined) return { messages: ['hub: push refused: the pre-receive hook sent an unexpected request'], code: 1 };
    const repo = resolve(opts.bareDir);
    const inside = (p: string): boolean => p === '' || resolve(repo, p) === repo || resolve(repo, p).startsWith(repo + sep);
    if (![quarantine, objects, ...alternates.split(':')].every(inside)) return { messages: ['hub: push refused: the pre-receive hook named objects outside the repository'], code: 1 };
    const env: NodeJS.ProcessEnv = { ...opts.env, GIT_DIR: repo };
    if (quarantine) env.GIT_QUARANTINE_PATH = quarantine;
    if (objects) env.GIT_OBJECT_DIRECTORY = objects;
    if (alternates) env.GIT_ALTERNATE_OBJECT_DIRECTORIES = alternates;
    const messages: string[] = [];
    const code = await runPreReceive({ input: refs.map((l) => `${l}\n`).join(''), env, cwd: repo, stderr: (t) => void messages.push(t) });
    return { messages, code };
  };
}

/**
 * The `hookChannel` of a push to `bareDir` (git-http.ts), or undefined where the exchange cannot
 * carry its paths (a root whose path holds a colon, a quote, a backslash or a newline, which git
 * quotes in GIT_ALTERNATE_OBJECT_DIRECTORIES): the hook process checks those pushes, as before.
 */
export function hookChannelFor(bareDir: string, env: NodeJS.ProcessEnv): ((channel: Duplex) => void) | undefined {
  if (/[:"\\\n]/.test(resolve(bareDir))) return undefined;
  return (channel) => serveHookChannel(channel, { bareDir, env });
}
