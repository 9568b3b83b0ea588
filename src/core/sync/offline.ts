/**
 * `HUB_OFFLINE=1`: no network at all. Commands that can serve from the local store and the
 * repository's own history do so; anything that needs a server fails at once with exit 6 and
 * says why, instead of trying and timing out.
 */
import { NetworkError, UsageError } from '../../errors.js';
import type { CoreContext } from '../context.js';

const ON = ['1', 'true', 'yes', 'on'];
const OFF = ['', '0', 'false', 'no', 'off'];

/** True when HUB_OFFLINE asks for no network: 1, true, yes, on (any case); unset, '', 0, false, no, off do not; anything else is exit 2. */
export function isOffline(ctx: Pick<CoreContext, 'env'>): boolean {
  const v = ctx.env.HUB_OFFLINE;
  if (v === undefined || OFF.includes(v.toLowerCase())) return false;
  if (ON.includes(v.toLowerCase())) return true;
  throw new UsageError(`HUB_OFFLINE must be 1 or 0 (or true/false, yes/no, on/off), not '${v}'`, { data: { variable: 'HUB_OFFLINE', value: v } }, 'bad_environment');
}

/** Throws a one-line network error when offline; `what` names what needed the network. */
export function requireOnline(ctx: Pick<CoreContext, 'env'>, what: string): void {
  if (isOffline(ctx)) {
    throw new NetworkError(`${what} needs the network, and HUB_OFFLINE is set`, { retriable: false, hint: 'unset HUB_OFFLINE, or use only what the local store already holds' }, 'offline');
  }
}
