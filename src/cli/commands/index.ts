/**
 * The list of commands. Each command lives in its own file `<name>.ts` exporting
 * `register(program: Command): void`; add a new one by importing it here and adding it below.
 * Help lists commands in the order they are registered.
 */
import type { Command } from 'commander';
import { register as registerChunk } from './chunk.js';
import { register as registerDu } from './du.js';
import { register as registerFsck } from './fsck.js';
import { register as registerGc } from './gc.js';
import { register as registerStore } from './store.js';
import { register as registerVersion } from './version.js';

/** Every command module, in help order. Add new commands here (chunk, store, fsck, du, gc, ...). */
const commands: ReadonlyArray<(program: Command) => void> = [
  // plumbing and maintenance
  registerChunk,
  registerStore,
  registerFsck,
  registerDu,
  registerGc,
  registerVersion,
];

/** Declares every command of hub on `program`. */
export function registerCommands(program: Command): void {
  for (const register of commands) register(program);
}
