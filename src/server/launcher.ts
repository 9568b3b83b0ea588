/**
 * Starts the server's child processes (git) from a small helper process instead of from the
 * server itself. node starts a process with fork(), which copies the page tables of the whole
 * process on its event loop: 15-24 ms per process for a 206 MiB `hub serve` on a two-core VM
 * (3-4 ms for a 43 MiB node), and linear in the server's memory. A burst of git requests then
 * held the loop in 20 ms slices, and since node accepts one connection per turn of its loop, a
 * connection opened behind 30 git requests waited for eight of those forks: 230-290 ms for
 * /api/health (issue 11 asks < 100 ms). Measured first, and dropped: forking from a worker
 * thread holds the main thread as long (the fork locks the whole process's memory map).
 *
 * The helper (launcher-process.ts) is spawned once; each launch makes one socket pair per stdio
 * descriptor (a private Unix socket in a 0700 folder), sends the child's ends to the helper over
 * its IPC channel, and keeps the other ends as the child's stdin, stdout, stderr (and extra
 * descriptors). git reads and writes sockets as it does pipes. The result behaves as node's
 * ChildProcess does for what the server uses ({@link Launched}). Where the helper is not running
 * (the hook process, tests, a platform without Unix sockets, a helper that died), a launch is a
 * plain spawn.
 */
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lowerPriority } from './background-priority.js';
import { LAUNCH_SOCKET, makeLaunchDir } from './launch-dir.js';
import type { LauncherReply, LauncherRequest } from './launcher-process.js';

/** What the server uses of a child process; node's ChildProcess (spawned with pipes) is one. */
export type Launched = Pick<ChildProcessWithoutNullStreams, 'pid' | 'stdin' | 'stdout' | 'stderr' | 'kill' | 'on' | 'once' | 'off' | 'removeListener' | 'exitCode' | 'signalCode'> & {
  readonly stdio: readonly unknown[];
};

/** Options of {@link launch}. */
export interface LaunchOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Its own process group (node's `detached`): the caller kills the group. */
  detached?: boolean;
  /** Descriptors after stderr, each a duplex socket (fd 3, 4, ...). */
  extraFds?: number;
  /** The nice value it starts with (background-priority.ts). */
  nice?: number;
}

/** A process the helper started: its stdio are this side's sockets. */
class HelperChild extends EventEmitter {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly stdio: Socket[];
  private closesNeeded: number;
  private exited = false;

  constructor(sockets: Socket[]) {
    super();
    this.stdio = sockets;
    // like node's ChildProcess: 'close' once it exited and every readable descriptor closed
    const readable = sockets.slice(1);
    this.closesNeeded = readable.length + 1;
    for (const s of readable) s.once('close', () => this.closed());
    // a socket, unlike a pipe, has a read side: when the child exits leaving bytes of its stdin
    // unread, reading ours fails (ECONNRESET). Nothing is read from it; a caller that writes
    // listens for its own errors as it would on a pipe
    sockets[0].on('error', () => {});
  }

  get stdin(): Socket {
    return this.stdio[0];
  }
  get stdout(): Socket {
    return this.stdio[1];
  }
  get stderr(): Socket {
    return this.stdio[2];
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.pid === undefined || this.exited) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** The helper reported the exit (or went away: then neither code nor signal is known). */
  exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    this.exitCode = code;
    this.signalCode = signal;
    // the helper's `exit` may come in the same read as its `started`: the caller, which gets this
    // child once `started` resolved its launch, hears it after attaching its listeners
    setImmediate(() => {
      this.emit('exit', code, signal);
      this.closed();
    });
  }

  private closed(): void {
    if (--this.closesNeeded === 0) this.emit('close', this.exitCode, this.signalCode);
  }
}

/** The helper process and the socket that pairs descriptors. */
class Launcher {
  private nextId = 1;
  private readonly children = new Map<number, HelperChild>();
  private readonly starting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private readonly accepted: Array<(s: Socket) => void> = [];
  gone = false;

  private constructor(
    private readonly helper: ChildProcess,
    private readonly pairing: Server,
    private readonly path: string,
    private readonly dir: string,
  ) {
    pairing.on('connection', (s: Socket) => {
      const take = this.accepted.shift();
      if (take) take(s);
      else s.destroy(); // nothing of ours asked for it
    });
    helper.on('message', (m: LauncherReply) => this.onReply(m));
    helper.on('exit', () => this.lost());
    helper.on('error', () => this.lost());
  }

  static async start(script: string): Promise<Launcher> {
    const dir = await makeLaunchDir();
    const path = join(dir, LAUNCH_SOCKET);
    const pairing = createServer();
    const helper = spawn(process.execPath, [script], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const spawned = once(helper, 'spawn');
    try {
      await new Promise<void>((resolve, reject) => {
        pairing.once('error', reject);
        pairing.listen(path, () => resolve());
      });
      await spawned;
    } catch (err) {
      helper.kill();
      pairing.close();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    // the helper never keeps this process alive on its own; its channel does while a child it
    // started runs, as that child would (refs below)
    helper.unref();
    helper.channel?.unref();
    pairing.unref();
    return new Launcher(helper, pairing, path, dir);
  }

  /** A connected socket pair: [ours, the child's]. */
  private async pair(): Promise<[Socket, Socket]> {
    // the listener accepts in the order of the connects, and a connect is made at once (a Unix
    // socket), so the next connection accepted is this one's other end
    let take!: (s: Socket) => void;
    const ours = new Promise<Socket>((resolve) => this.accepted.push((take = resolve)));
    const theirs = connect(this.path);
    try {
      await once(theirs, 'connect');
    } catch (err) {
      const i = this.accepted.indexOf(take);
      if (i >= 0) this.accepted.splice(i, 1); // never accepted: the pairs after it stay matched
      throw err;
    }
    return [await ours, theirs];
  }

  async launch(cmd: string, args: string[], opts: LaunchOptions): Promise<Launched> {
    const id = this.nextId++;
    const pairs = await Promise.all(Array.from({ length: 3 + (opts.extraFds ?? 0) }, () => this.pair()));
    const child = new HelperChild(pairs.map(([ours]) => ours));
    const started = new Promise<void>((resolve, reject) => this.starting.set(id, { resolve, reject }));
    this.children.set(id, child);
    this.refs();
    try {
      if (this.gone) throw new Error('the launcher is gone');
      // one descriptor per message (node's limit); the helper closes its copies once it started the child
      pairs.forEach(([, theirs], i) => this.send({ t: 'fd', id, i }, theirs));
      this.send({ t: 'spawn', id, cmd, args, env: opts.env ?? process.env, cwd: opts.cwd, detached: opts.detached ?? false, nice: opts.nice, fds: pairs.length });
    } catch (err) {
      this.children.delete(id);
      this.starting.delete(id);
      this.refs();
      for (const [ours, theirs] of pairs) (ours.destroy(), theirs.destroy());
      throw err;
    }
    try {
      await started;
    } catch (err) {
      // not started (git missing, the helper gone): the caller's plain spawn reports it as spawn does
      this.children.delete(id);
      this.refs();
      for (const s of child.stdio) s.destroy();
      throw err;
    }
    return child as unknown as Launched;
  }

  private send(m: LauncherRequest, handle?: Socket): void {
    this.helper.send(m, handle as never);
  }

  private onReply(m: LauncherReply): void {
    const child = this.children.get(m.id);
    if (m.t === 'started') {
      if (child) child.pid = m.pid;
      this.starting.get(m.id)?.resolve();
      this.starting.delete(m.id);
    } else if (m.t === 'error') {
      const err = Object.assign(new Error(m.message), { code: m.code });
      const waiting = this.starting.get(m.id);
      this.starting.delete(m.id);
      if (waiting) waiting.reject(err);
      else if (child) child.emit('error', err);
      this.children.delete(m.id);
    } else if (m.t === 'exit') {
      this.children.delete(m.id);
      child?.exit(m.code, m.signal);
    }
    this.refs();
  }

  /** Keeps this process alive while a child runs or starts, as node's ChildProcess does. */
  private refs(): void {
    if (this.gone) return;
    if (this.children.size > 0) this.helper.channel?.ref();
    else this.helper.channel?.unref();
  }

  /** The helper died: what waits to start fails, what runs is reported ended (its exit status is lost with the helper). */
  private lost(): void {
    if (this.gone) return;
    this.gone = true;
    for (const [id, w] of this.starting) {
      w.reject(new Error('the launcher process ended'));
      this.children.delete(id);
    }
    this.starting.clear();
    for (const child of this.children.values()) child.exit(null, null);
    this.children.clear();
    this.close();
  }

  get pid(): number | undefined {
    return this.helper.pid;
  }

  close(): void {
    this.gone = true;
    if (this.helper.connected) this.helper.disconnect();
    this.pairing.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let current: Launcher | undefined;
let script: string | undefined;
let users = 0;
let restarting: Promise<boolean> | undefined;

/**
 * Starts this process's launcher (`hub serve` does, at start), from `helperScript` (default:
 * launcher-process.js beside this module); every start is matched by a {@link stopLauncher}
 * (servers in one process share it). Best effort: where it cannot start, launches spawn.
 */
export async function startLauncher(helperScript?: string): Promise<boolean> {
  users++;
  if (current && !current.gone) return true;
  const candidate = helperScript ?? fileURLToPath(new URL('./launcher-process.js', import.meta.url));
  if (process.platform === 'win32' || !existsSync(candidate)) return false;
  script = candidate;
  return startHelper(candidate);
}

/** Starts the helper from `path`; false (launches then spawn) when it cannot start. */
async function startHelper(path: string): Promise<boolean> {
  try {
    current = await Launcher.start(path);
    return true;
  } catch {
    current = undefined;
    return false;
  }
}

/** Ends one {@link startLauncher}; the last stops the helper. Processes it started go on (each caller ends its own). */
export function stopLauncher(): void {
  users = Math.max(0, users - 1);
  if (users > 0) return;
  current?.close();
  current = undefined;
  script = undefined;
}

/** The helper's pid while launches go through it, else undefined. */
export function launcherPid(): number | undefined {
  return current !== undefined && !current.gone ? current.pid : undefined;
}

/**
 * Starts `cmd args` with piped stdio (and `extraFds` duplex descriptors): through the helper when
 * it runs, else with spawn. A helper that died is started again for the next launch. Errors of
 * the start (git missing) arrive as the result's 'error' event, as with spawn.
 */
export async function launch(cmd: string, args: string[], opts: LaunchOptions = {}): Promise<Launched> {
  if (current?.gone && script && users > 0) {
    // one new helper however many launches find the old one gone
    restarting ??= startHelper(script).finally(() => (restarting = undefined));
    await restarting;
  }
  if (current && !current.gone) {
    try {
      return await current.launch(cmd, args, opts);
    } catch {
      // not started there (the helper went away, or the start failed): spawned here, where a
      // failure to start is reported as spawn reports it
    }
  }
  const stdio = ['pipe', 'pipe', 'pipe', ...Array.from({ length: opts.extraFds ?? 0 }, () => 'pipe' as const)] as const;
  const child = spawn(cmd, args, { env: opts.env, cwd: opts.cwd, detached: opts.detached, stdio: [...stdio] }) as ChildProcessWithoutNullStreams;
  // a failure to start is emitted on the next tick, which may come before the caller (which
  // awaits this) listens: heard by no one else, it is held and emitted again after the caller's turn
  let early: Error | undefined;
  const hold = (err: Error): void => {
    if (child.listenerCount('error') === 1) early = err;
  };
  child.on('error', hold);
  setImmediate(() => {
    child.off('error', hold);
    if (early) child.emit('error', early);
  });
  if (opts.nice !== undefined) lowerPriority(child.pid, opts.nice);
  return child;
}
