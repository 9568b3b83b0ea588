/**
 * Progress as typed events. Library code never prints: it calls a ProgressSink, and the CLI
 * decides how to show it (an ora spinner on a TTY, plain lines otherwise, nothing with -q).
 */

/** A task began. `total` is in the task's unit (bytes unless `unit` says otherwise). */
export interface TaskStart { type: 'start'; id: string; label: string; total?: number; unit?: 'bytes' | 'items' }
/**
 * A task advanced: `done` is cumulative, not a delta. Transfers add `rate` (bytes per second,
 * recent) and `eta` (seconds left at that rate).
 */
export interface TaskProgress { type: 'progress'; id: string; done: number; total?: number; rate?: number; eta?: number }
/** A task finished (ok=false when it failed or was abandoned). */
export interface TaskEnd { type: 'end'; id: string; ok: boolean; summary?: string }
/** A diagnostic that is not a result (a warning, a note on what was skipped). */
export interface Notice { type: 'notice'; level: 'info' | 'warn'; message: string }

/** Every event library code may emit. */
export type ProgressEvent = TaskStart | TaskProgress | TaskEnd | Notice;

/** Where progress events go. */
export type ProgressSink = (event: ProgressEvent) => void;

/** A sink that drops everything: the default for library callers that do not care. */
export const silentProgress: ProgressSink = () => {};
