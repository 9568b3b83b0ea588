/**
 * Waiting for a stream to drain, or for the event that ends the wait otherwise ('error' on a file
 * being written, 'close' on a response whose client went away). Both listeners are removed once
 * either fires: `Promise.race([once(s, 'drain'), once(s, 'error')])` leaves the other listener
 * behind at every wait, and a long upload piled them up (Node's MaxListenersExceededWarning after
 * ten waits of one 51 MiB xorb upload).
 */
import type { EventEmitter } from 'node:events';

/** Resolves at the stream's next 'drain' or `other` event, whichever comes first. */
export function drainOr(stream: EventEmitter, other: 'error' | 'close'): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off(other, done);
      resolve();
    };
    stream.on('drain', done);
    stream.on(other, done);
  });
}
