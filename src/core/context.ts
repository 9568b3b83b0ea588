/** What every use case receives: where it runs, its environment, where progress goes, and when to stop. */
import type { ProgressSink } from '../progress.js';

/** The context of one use case call. */
export interface CoreContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  progress: ProgressSink;
  /**
   * Aborted when the caller wants the work stopped (the CLI: on Ctrl-C). Long work stops at its
   * next loop boundary, removes its temporary files and rejects with the signal's reason; a
   * caller with nothing to cancel passes `new AbortController().signal`.
   */
  signal: AbortSignal;
  /** A person can answer a prompt (stdin is a terminal): git's credential helpers may then prompt for a password. */
  interactive?: boolean;
}
