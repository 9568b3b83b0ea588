/** `hub cache ls|rm|prune`: the download cache (snapshots, cache git directories) and the store, as `hf cache`. */
import type { Command } from 'commander';
export function register(_program: Command): void {}
