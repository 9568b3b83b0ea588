/**
 * Idle timeouts of `hub serve` for requests in flight: a request whose body stops arriving (no
 * byte for `idleMs` while the server is ready to read), or whose client stops reading the
 * answer (no byte taken for `idleMs` while the server has more to send), is ended: 408 when no
 * answer was started, otherwise the connection is cut. Whatever serves it (a git child, an
 * upload to a temporary file) then stops, as it does when a client goes away. Without this, 30
 * requests that declare 1,000 bytes and send 2 hold 60 git processes forever (issue 11).
 *
 * A request refused before its body arrived (a 401, a 429) is still watched after its answer,
 * while the rest of its body drains: a client that stops sending it loses the connection after
 * `idleMs` too, instead of holding it until the keep-alive timeout (65 s: app.ts).
 *
 * Time spent by the server itself (a git that computes a pack, a queue for a worker) never
 * counts: a body counts as stalled only while the server's buffer for it has room (so the
 * socket is being read), an answer only while the socket's send buffer is full.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

interface Watched {
  req: IncomingMessage;
  res: ServerResponse;
  read: number;
  written: number;
  since: number;
}

/** Ends a stalled request: its body stream fails (so whoever reads it stops and cleans up) and the connection closes. */
function end(req: IncomingMessage): void {
  req.destroy(new Error('request stalled'));
  req.socket.destroy();
}

/** Watches requests in flight with one timer. */
export class StallWatch {
  private readonly watched = new Set<Watched>();
  private readonly timer: NodeJS.Timeout;

  /**
   * `idleMs`: how long a body or an answer may make no progress; `onStall` hears about each
   * request ended (for the access log).
   */
  constructor(private readonly idleMs: number, private readonly onStall: (req: IncomingMessage, what: 'body' | 'answer') => void = () => {}) {
    this.timer = setInterval(() => this.check(), Math.max(20, Math.min(1000, Math.floor(idleMs / 4))));
    this.timer.unref();
  }

  /** Watches `req` until its response closes and its body has arrived (or its connection is gone). */
  watch(req: IncomingMessage, res: ServerResponse): void {
    const w: Watched = { req, res, read: req.socket.bytesRead, written: req.socket.bytesWritten, since: Date.now() };
    this.watched.add(w);
    const done = () => this.watched.delete(w);
    res.once('close', () => {
      if (req.complete || req.socket.destroyed) return done();
      req.once('end', done);
      req.once('close', done);
    });
  }

  /** Stops the timer. */
  close(): void {
    clearInterval(this.timer);
    this.watched.clear();
  }

  private check(): void {
    const now = Date.now();
    for (const w of this.watched) {
      const { req, res } = w;
      const socket = req.socket;
      if (socket.destroyed) {
        this.watched.delete(w);
        continue;
      }
      const read = socket.bytesRead;
      const written = socket.bytesWritten;
      // waiting for the client: its body is incomplete and the server would take more, or the
      // answer is waiting in a full send buffer
      const bodyWait = !req.complete && req.readableLength < req.readableHighWaterMark;
      const answerWait = res.writableNeedDrain || socket.writableNeedDrain;
      if (read !== w.read || written !== w.written || !(bodyWait || answerWait)) {
        w.read = read;
        w.written = written;
        w.since = now;
        continue;
      }
      if (now - w.since < this.idleMs) continue;
      this.watched.delete(w);
      const what = bodyWait ? 'body' : 'answer';
      this.onStall(req, what);
      if (what === 'body' && !res.headersSent) {
        const text = `${JSON.stringify({ error: `request body stalled: no data for ${Math.round(this.idleMs / 1000)} s`, code: 'body_timeout' })}\n`;
        res.writeHead(408, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
        res.end(text, () => end(req));
        // the answer may never drain either: cut the connection anyway
        setTimeout(() => end(req), 1000).unref();
      } else end(req);
    }
  }
}
