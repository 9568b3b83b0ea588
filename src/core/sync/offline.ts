/**
 * `HUB_OFFLINE=1`: no network at all. Commands that can serve from the local store and the
 * repository's own history do so; anything that needs a server fails at once with exit 6 and
 * says why, instead of trying and timing out.
 */
import { flagFrom } from '../../env-flag.js';
import { NetworkError } from '../../errors.js';
import type { CoreContext } from '../context.js';

/** True when HUB_OFFLINE asks for no network: 1, true, yes, on (any case); unset, '', 0, false, no, off do not; anything else is exit 2. */
export function isOffline(ctx: Pick<CoreContext, 'env'>): boolean {
  return flagFrom(ctx.env, 'HUB_OFFLINE', false);
}

/** Throws a one-line network error when offline; `what` names what needed the network. */
export function requireOnline(ctx: Pick<CoreContext, 'env'>, what: string): void {
  if (isOffline(ctx)) {
    throw new NetworkError(`${what} needs the network, and HUB_OFFLINE is set`, { retriable: false, hint: 'unset HUB_OFFLINE, or use only what the local store already holds' }, 'offline');
  }
}
