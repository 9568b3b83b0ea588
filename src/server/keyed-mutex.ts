/**
 * Mutual exclusion per key inside one process: `run(key, fn)` starts `fn` once every earlier
 * holder of `key` has settled, in the order they asked. The SQLite metadata's repository lock
 * (metadata.ts `withRepoLock`); PostgreSQL's is an advisory lock shared by every server.
 */
export class KeyedMutex<K> {
  /** The settling of the last holder (or waiter) of each key; gone once the key is free. */
  private readonly tails = new Map<K, Promise<void>>();

  /** Runs `fn` as the only holder of `key`; resolves or rejects as it does. */
  async run<T>(key: K, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.tails.set(key, tail);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
