/** Opening the user's shared store ($HUB_HOME/store). */
import { join } from 'node:path';
import { hubHome } from '../../store/paths.js';
import { Store } from '../../store/store.js';
import type { CoreContext } from '../context.js';

/** Runs `fn` with the user's store open, closing it afterwards. */
export async function withStore<T>(ctx: CoreContext, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const store = await Store.open(join(hubHome(ctx.env), 'store'), ctx.env);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
