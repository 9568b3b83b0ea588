// Preloaded with `node --require` (through NODE_OPTIONS) to make a hub process behave as on a
// machine where the optional native BLAKE3 addon is not installed: resolving it fails the way a
// missing package does, so hub must fall back to hash-wasm.
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (typeof request === 'string' && request.startsWith('@napi-rs/blake-hash')) {
    const err = new Error(`Cannot find module '${request}'`);
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  }
  return resolve.call(this, request, ...rest);
};
