/** What every use case receives: where it runs, its environment and where progress goes. */
import type { ProgressSink } from '../progress.js';

/** The context of one use case call. */
export interface CoreContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  progress: ProgressSink;
}
