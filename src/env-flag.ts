/**
 * One parse for the yes/no environment variables (HUB_OFFLINE, HUB_DIRECT_IO): a base module
 * beside errors.ts, so the file-system layer and core read them the same way and say the same
 * thing when a value is wrong.
 */
import { UsageError } from './errors.js';

const ON = ['1', 'true', 'yes', 'on'];
const OFF = ['0', 'false', 'no', 'off'];

/** The yes/no variable `name` of `env`: 1, true, yes, on (any case) are true; 0, false, no, off are false; unset or '' is `unset`; anything else is exit 2, `bad_environment`, one line naming it. */
export function flagFrom(env: NodeJS.ProcessEnv, name: string, unset: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return unset;
  const lower = v.toLowerCase();
  if (ON.includes(lower)) return true;
  if (OFF.includes(lower)) return false;
  throw new UsageError(`${name} must be 1 or 0 (or true/false, yes/no, on/off), not '${v}'`, { data: { variable: name, value: v } }, 'bad_environment');
}
