/**
 * The list of commands. Each command lives in its own file `<name>.ts` exporting
 * `register(program: Command): void`; add a new one by importing it here and adding it below.
 * Help lists commands in the order they are registered.
 */
import type { Command } from 'commander';
import { register as registerInit } from './init.js';
import { register as registerTrack } from './track.js';
import { register as registerAdd } from './add.js';
import { register as registerRm } from './rm.js';
import { register as registerCommit } from './commit.js';
import { register as registerStatus } from './status.js';
import { register as registerLog } from './log.js';
import { register as registerDiff } from './diff.js';
import { register as registerCheckout } from './checkout.js';
import { register as registerBranch } from './branch.js';
import { register as registerMerge } from './merge.js';
import { register as registerReset } from './reset.js';
import { register as registerLsFiles } from './ls-files.js';
import { register as registerStash } from './stash.js';
import { register as registerLogin } from './login.js';
import { register as registerRemote } from './remote.js';
import { register as registerPushClone } from './push-clone.js';
import { register as registerDownload } from './download.js';
import { register as registerUpload } from './upload.js';
import { register as registerCache } from './cache.js';
import { register as registerFetch } from './fetch.js';
import { register as registerLock } from './lock.js';
import { register as registerServe } from './serve.js';
import { register as registerToken } from './token.js';
import { register as registerRepo } from './repo.js';
import { register as registerChunk } from './chunk.js';
import { register as registerDu } from './du.js';
import { register as registerFsck } from './fsck.js';
import { register as registerGc } from './gc.js';
import { register as registerStore } from './store.js';
import { register as registerVersion } from './version.js';
import { register as registerEnv } from './env.js';

/** Every command module, in help order. Add new commands here (chunk, store, fsck, du, gc, ...). */
const commands: ReadonlyArray<(program: Command) => void> = [
  // the repository workflow
  registerInit,
  registerTrack,
  registerAdd,
  registerRm,
  registerCommit,
  registerStatus,
  registerLog,
  registerDiff,
  registerCheckout,
  registerBranch,
  registerMerge,
  registerReset,
  registerLsFiles,
  registerStash,
  // remotes
  registerRemote,
  registerPushClone,
  registerDownload,
  registerUpload,
  registerFetch,
  registerLock,
  registerLogin,
  // the server
  registerServe,
  registerToken,
  registerRepo,
  // plumbing and maintenance
  registerChunk,
  registerStore,
  registerFsck,
  registerDu,
  registerGc,
  registerCache,
  registerVersion,
  registerEnv,
];

/** Declares every command of hub on `program`. */
export function registerCommands(program: Command): void {
  for (const register of commands) register(program);
}
