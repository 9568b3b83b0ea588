/**
 * The priority of the server's background work. git processes and worker threads run at a
 * higher nice value than the event loop's thread, so that on a busy machine the loop (which
 * answers every request, /api/health included) is scheduled first and bulk work takes what is
 * left. Linux keeps nice values per thread and children inherit them.
 */
import { setPriority } from 'node:os';

/** The nice value of git processes and worker threads (the event loop, and the web pages' page workers, keep the process's). */
export const BACKGROUND_NICE = 10;

/**
 * The nice value of work no one waits for: the web pages' work computed ahead. At 10 a busy
 * thread still gets ~10% of a core that nice-0 threads want (CFS weights 110 against 1024); at
 * 19, ~1.5% (15 against 1024), so it runs on what transfers leave idle.
 */
export const IDLE_NICE = 19;

/**
 * Lowers the priority of process or thread `id` (0: the calling thread) to `nice` (BACKGROUND_NICE).
 * Best effort: where it is not permitted, or the process has already exited, the work runs at
 * the normal priority, which is only slower to yield.
 */
export function lowerPriority(id: number | undefined, nice = BACKGROUND_NICE): void {
  if (id === undefined) return;
  try {
    setPriority(id, nice);
  } catch {
    // not permitted, or gone already: run at the normal priority
  }
}
