/**
 * Retries for transfers (git-lfs's tq is the model): a retriable failure (connection error,
 * truncated body, 429, 5xx) is tried again with exponential backoff, honouring `Retry-After`,
 * up to HUB_RETRIES attempts (default 5); then the last error is thrown (exit 6 for network).
 * An aborted signal ends it at once: no new attempt, no more waiting, the signal's reason thrown.
 */
import { sleep } from '../abort.js';
import { HubError, UsageError } from '../errors.js';

/** Options of withRetries. */
export interface RetryOptions {
  attempts?: number;
  /** First backoff in ms (doubled each time, with jitter). */
  baseMs?: number;
  /** Once aborted: no further attempt or wait; its reason is thrown instead of the attempt's failure. */
  signal?: AbortSignal;
  /** Called before each new attempt (for progress notices). */
  onRetry?: (attempt: number, err: unknown, waitMs: number) => void;
}

/** A wait the server asked for (seconds or an HTTP date in Retry-After), in ms. */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** True for failures worth trying again. */
export function isRetriable(err: unknown): boolean {
  return err instanceof HubError ? err.retriable : false;
}

/** HUB_RETRIES as a number of attempts (1..20; default 5). Read here, the one place retries are decided. */
export function attemptsFrom(env: NodeJS.ProcessEnv): number {
  return wholeNumberFrom(env, 'HUB_RETRIES', 1, 20, 5);
}

/**
 * The environment variable `name` as a whole number from `min` to `max` (`fallback` when unset or
 * empty); anything else is a one-line usage error naming the variable and the range.
 */
export function wholeNumberFrom(env: NodeJS.ProcessEnv, name: string, min: number, max: number, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not '${raw}'`, { data: { variable: name, value: raw } }, 'bad_environment');
  return n;
}

/** Runs `fn` until it succeeds, a non-retriable error occurs, or the attempts run out. */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, opts.attempts ?? attemptsFrom(process.env));
  const base = opts.baseMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      opts.signal?.throwIfAborted(); // the failure is the abort's doing (a cancelled request)
      if (attempt >= attempts || !isRetriable(err)) throw err;
      const asked = (err as HubError).data?.retryAfterMs;
      const wait = typeof asked === 'number' ? Math.min(asked, 60_000) : base * 2 ** (attempt - 1) * (0.5 + Math.random());
      opts.onRetry?.(attempt, err, wait);
      await sleep(wait, opts.signal);
    }
  }
}
