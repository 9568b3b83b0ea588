// drainOr: a writer that waits for 'drain' many times leaves no listener behind (the race of two
// `once` calls left one per wait: MaxListenersExceededWarning on a long upload).
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { drainOr } from '../../../src/server/drain-or.js';

describe('drainOr', () => {
  it('resolves on drain and removes both listeners, wait after wait', async () => {
    const s = new PassThrough({ highWaterMark: 16 });
    s.resume();
    for (let i = 0; i < 50; i++) {
      if (!s.write(Buffer.alloc(64))) await drainOr(s, 'error');
    }
    expect(s.listenerCount('error')).toBeLessThanOrEqual(1); // PassThrough's own, if any
    expect(s.listenerCount('drain')).toBe(0);
  });

  it("resolves on the other event ('close') when the stream never drains", async () => {
    const s = new PassThrough({ highWaterMark: 16 });
    expect(s.write(Buffer.alloc(64))).toBe(false);
    const waiting = drainOr(s, 'close');
    s.destroy();
    await waiting;
    expect(s.listenerCount('drain')).toBe(0);
  });
});
