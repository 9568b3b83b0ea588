/**
 * The event loop's health, for the server's log: a timer ticks every 50 ms, and a tick that
 * comes `thresholdMs` or more late is logged with how late it was and how much CPU the main
 * thread used meanwhile. A late tick with the CPU to match means the server's own work held the
 * loop (the thing issue 11 forbids); a late tick without it means the thread was not scheduled
 * (a busy machine), which the log tells apart. The CPU is read from /proc (Linux); elsewhere
 * only lateness is known.
 */
import { readFileSync } from 'node:fs';

const TICK_MS = 50;

/** The main thread's CPU time so far, in ms (undefined where /proc is not available). */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of stat(5)) in clock ticks of 10 ms
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** What a late tick reports. */
export interface LateTick {
  /** How late the tick came, in ms. */
  ms: number;
  /** The main thread's CPU time meanwhile, in ms, when known. */
  cpuMs?: number;
}

/** Starts watching; `report` hears about every tick `thresholdMs` or more late. Returns the stop function. */
export function watchEventLoop(report: (late: LateTick) => void, thresholdMs = 100): () => void {
  let last = performance.now();
  let lastCpu = mainThreadCpuMs();
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = mainThreadCpuMs();
    const late = now - last - TICK_MS;
    if (late >= thresholdMs) report({ ms: Math.round(late), ...(cpu !== undefined && lastCpu !== undefined ? { cpuMs: cpu - lastCpu } : {}) });
    last = now;
    lastCpu = cpu;
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
