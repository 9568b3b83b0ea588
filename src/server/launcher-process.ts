/**
 * The launcher's helper process (launcher.ts): a small node process that starts the server's
 * child processes for it. Starting a process from the server costs the server's event loop a
 * fork() of the whole server, which grows with its memory: 15-24 ms for a 206 MiB `hub serve` on
 * a two-core VM, 3-4 ms for a 43 MiB node. The helper forks at its own size, on its own loop.
 *
 * It is sent, over its IPC channel, each descriptor of a child's stdio as a socket (`fd`
 * messages, one descriptor each: node sends one per message), then `spawn`. It starts the
 * process with those sockets as its stdio, closes its own copies, and answers `started` (the
 * pid) or `error`, and `exit` when the process ends. It imports nothing but node's own modules,
 * and exits when the server goes (its channel closes).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Socket } from 'node:net';
import { setPriority } from 'node:os';

/** What the server sends. */
export type LauncherRequest =
  | { t: 'fd'; id: number; i: number }
  | { t: 'spawn'; id: number; cmd: string; args: string[]; env: NodeJS.ProcessEnv; cwd?: string; detached: boolean; nice?: number; fds: number };

/** What the helper answers. */
export type LauncherReply =
  | { t: 'started'; id: number; pid: number }
  | { t: 'error'; id: number; code?: string; message: string }
  | { t: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null };

const received = new Map<number, Socket[]>();

function reply(m: LauncherReply): void {
  if (process.connected) process.send!(m);
}

function start(m: Extract<LauncherRequest, { t: 'spawn' }>): void {
  const sockets = received.get(m.id) ?? [];
  received.delete(m.id);
  const closeOurs = () => {
    for (const s of sockets) s?.destroy();
  };
  if (sockets.length !== m.fds || sockets.some((s) => s === undefined)) {
    closeOurs();
    return reply({ t: 'error', id: m.id, message: `launcher: ${sockets.filter(Boolean).length} of ${m.fds} descriptors arrived` });
  }
  // The sockets arrive in non-blocking mode (the server's libuv made them so, and the flag is the
  // open file's, which the descriptor passing keeps); a child reads and writes its stdio blocking
  // (sh's `read` gives up on EAGAIN, where git retries). node has no public call for it: the
  // stream handle's setBlocking (libuv's uv_stream_set_blocking, fcntl on Unix). Without it, the
  // launch is refused and the server spawns the process itself.
  for (const s of sockets) {
    const handle = (s as unknown as { _handle?: { setBlocking?: (on: boolean) => number } })._handle;
    if (typeof handle?.setBlocking !== 'function' || handle.setBlocking(true) !== 0) {
      closeOurs();
      return reply({ t: 'error', id: m.id, message: 'launcher: cannot make a descriptor blocking' });
    }
  }
  let child: ChildProcess;
  try {
    child = spawn(m.cmd, m.args, { stdio: sockets as StdioOptions, env: m.env, cwd: m.cwd, detached: m.detached });
  } catch (err) {
    closeOurs();
    const e = err as NodeJS.ErrnoException;
    return reply({ t: 'error', id: m.id, code: e.code, message: e.message });
  }
  closeOurs(); // the child has its own copies; the server holds the other ends
  child.on('error', (err: NodeJS.ErrnoException) => reply({ t: 'error', id: m.id, code: err.code, message: err.message }));
  if (child.pid === undefined) return; // 'error' follows
  if (m.nice !== undefined) {
    try {
      setPriority(child.pid, m.nice);
    } catch {
      // not permitted, or gone already: it runs at the normal priority
    }
  }
  reply({ t: 'started', id: m.id, pid: child.pid });
  child.on('exit', (code, signal) => reply({ t: 'exit', id: m.id, code, signal }));
}

process.on('message', (m: LauncherRequest, handle?: Socket) => {
  if (m.t === 'fd') {
    const list = received.get(m.id) ?? [];
    if (handle) list[m.i] = handle;
    received.set(m.id, list);
  } else if (m.t === 'spawn') {
    start(m);
  }
});
process.on('disconnect', () => process.exit(0));
