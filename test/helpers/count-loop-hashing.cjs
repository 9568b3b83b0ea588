// Preloaded with `node --require` (through NODE_OPTIONS) into a `hub serve`: counts the bytes
// its main thread (the event loop) feeds to node:crypto hashes, and prints the running total
// on stderr as `loop-hashed-bytes N` at each SIGUSR2. Worker threads are not counted: hashing
// there is what the server should do.
const { isMainThread } = require('node:worker_threads');

if (isMainThread) {
  const crypto = require('node:crypto');
  let hashed = 0;
  const update = crypto.Hash.prototype.update;
  crypto.Hash.prototype.update = function (data, encoding) {
    hashed += typeof data === 'string' ? Buffer.byteLength(data, encoding) : data.byteLength;
    return update.call(this, data, encoding);
  };
  process.on('SIGUSR2', () => process.stderr.write(`loop-hashed-bytes ${hashed}\n`));
}
