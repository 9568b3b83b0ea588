#!/usr/bin/env node
// Shebang shim: the CLI itself is built into dist/ by `npm run build`: tsc writes dist/cli/ and
// the rest, then bin/build-bundle.mjs bundles them into dist/bundle/ (a command then loads a few
// files instead of 150-250 modules: docs/performance.md, "Fixed costs"). The bundle is used only
// while it is newer than tsc's output, so a build with `tsc` alone runs its own, fresh code.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

// Under a limit on address space (`ulimit -v`, common on shared clusters), V8 cannot reserve the
// ~10 GiB of guard pages each WebAssembly memory takes (the chunker's gear scan, the aligned
// buffers of direct I/O), and every command that stores content would fail. Node's
// --disable-wasm-trap-handler makes V8 check bounds in code instead and reserve only what a
// memory holds; it can only be given on node's command line, so hub runs again with it, once,
// there. Without a limit nothing changes (the trap handler keeps the gear scan fastest).
const WASM_FLAG = '--disable-wasm-trap-handler';

/** True when this process's soft limit on address space is finite (Linux: /proc/self/limits). */
function addressSpaceLimited() {
  try {
    const soft = /^Max address space\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return soft !== undefined && soft !== 'unlimited';
  } catch {
    return false; // no /proc: not Linux, and no limit we can see
  }
}

if (addressSpaceLimited() && !process.execArgv.includes(WASM_FLAG) && !(process.env.NODE_OPTIONS ?? '').includes(WASM_FLAG)) {
  const child = spawn(process.execPath, [...process.execArgv, WASM_FLAG, ...process.argv.slice(1)], { stdio: 'inherit' });
  // a Ctrl-C reaches the child from the terminal itself (one process group): passing it on
  // would make it the second Ctrl-C, which exits at once; other signals are passed on
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGQUIT']) process.on(signal, () => child.kill(signal));
  child.on('error', (err) => {
    process.stderr.write(`hub: error: cannot start node again with ${WASM_FLAG} under this address-space limit (${err.message})\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
} else {
  const dist = new URL('../dist/', import.meta.url);
  const mtime = (file) => statSync(new URL(file, dist), { throwIfNoEntry: false })?.mtimeMs ?? -1;
  const entry = process.env.HUB_NO_BUNDLE !== '1' && mtime('bundle/main.js') > mtime('cli/main.js') ? '../dist/bundle/main.js' : '../dist/cli/main.js';
  const { main } = await import(entry);

  process.exitCode = await main(process.argv);
}
