/**
 * git's credential protocol through `git credential fill|approve|reject` (gitcredentials(7)),
 * so whatever helper the user configured (store, cache, libsecret, osxkeychain, a manager)
 * answers, exactly as for git itself: git applies `credential.helper`, `credential.useHttpPath`
 * and `credential.<url>.*`, and with no helper prompts on the terminal. Off a terminal hub sets
 * GIT_TERMINAL_PROMPT=0, so git fails instead of waiting for a prompt nobody answers. The
 * password travels only on the pipes to git; nothing here prints or logs it.
 */
import { spawn } from 'node:child_process';

/** What a helper answered. */
export interface GitCredential {
  protocol: string;
  host: string;
  path?: string;
  username: string;
  password: string;
}

/** Where and how git runs. */
export interface CredentialContext {
  /** A directory of the repository (its config's helpers count), or any directory. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** A person can answer a prompt (stdin is a terminal). */
  interactive: boolean;
  signal?: AbortSignal;
}

/** The credential-protocol description of `url` (protocol, host with port, user name, path). */
function describe(url: URL, extra: Record<string, string> = {}): string {
  const fields: Record<string, string> = { protocol: url.protocol.replace(/:$/, ''), host: url.host, path: url.pathname.replace(/^\//, ''), ...extra };
  if (url.username && !extra.username) fields.username = decodeURIComponent(url.username);
  return `${Object.entries(fields)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n\n`;
}

/** `git credential fill` for `url`: the user name and password a helper (or the terminal) gave, or undefined. */
export async function credentialFill(url: URL, ctx: CredentialContext): Promise<GitCredential | undefined> {
  const r = await run('fill', describe(url), ctx);
  if (r === undefined || r.code !== 0) return undefined;
  const fields = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const username = fields.get('username');
  const password = fields.get('password');
  if (username === undefined || password === undefined) return undefined;
  return { protocol: fields.get('protocol') ?? url.protocol.replace(/:$/, ''), host: fields.get('host') ?? url.host, ...(fields.has('path') ? { path: fields.get('path') } : {}), username, password };
}

/** `git credential approve`: the credential worked (a helper such as `store` keeps it). */
export async function credentialApprove(cred: GitCredential, ctx: CredentialContext): Promise<void> {
  await run('approve', fieldsOf(cred), ctx);
}

/** `git credential reject`: the credential was refused (helpers forget it). */
export async function credentialReject(cred: GitCredential, ctx: CredentialContext): Promise<void> {
  await run('reject', fieldsOf(cred), ctx);
}

function fieldsOf(c: GitCredential): string {
  return `protocol=${c.protocol}\nhost=${c.host}\n${c.path !== undefined ? `path=${c.path}\n` : ''}username=${c.username}\npassword=${c.password}\n\n`;
}

/**
 * Runs `git credential OP` with `input` on stdin. Its stderr reaches the user only on a terminal
 * (a helper's own messages); off one, hub says what failed in its own single line. Resolves
 * undefined when git is not installed.
 */
function run(op: string, input: string, ctx: CredentialContext): Promise<{ code: number; stdout: string } | undefined> {
  return new Promise((resolve, reject) => {
    const env = { ...ctx.env, ...(ctx.interactive ? {} : { GIT_TERMINAL_PROMPT: '0' }) };
    // stderr is not piped: a helper that starts a daemon (credential-cache) keeps it open (git-lfs #117)
    const child = spawn('git', ['credential', op], { cwd: ctx.cwd, env, stdio: ['pipe', 'pipe', ctx.interactive ? 'inherit' : 'ignore'], signal: ctx.signal });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stdin.on('error', () => {}); // git exited before reading everything: its exit code says why
    child.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') resolve(undefined);
      else reject(e);
    });
    child.on('close', (code) => resolve({ code: code ?? 255, stdout: Buffer.concat(out).toString('utf8') }));
    child.stdin.end(input);
  });
}
