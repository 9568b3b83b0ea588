/** `hub env`: versions, paths, the remembered server and each remote's LFS endpoint, for bug reports (never a secret). */
import type { Command } from 'commander';
import type { EnvReport } from '../../core/env-report.js';
import { action } from '../action.js';
import { emit } from '../render.js';
import { hubVersion } from '../version.js';

/** Declares `hub env`. */
export function register(program: Command): void {
  program
    .command('env')
    .description('print what a bug report needs: versions, paths, the server, and each remote with its LFS endpoint (no secrets)')
    .action(
      action(async (ctx) => {
        const { envReport } = await import('../../core/env-report.js');
        emit(ctx, await envReport(ctx, hubVersion()), renderEnv);
      }),
    );
}

/** `key=value` lines, as `git lfs env` prints them. */
function renderEnv(r: EnvReport): string {
  const out = [
    `hub ${r.hub}`,
    `node ${r.node} (${r.platform})`,
    r.git ?? 'git: not installed',
    r.gitLfs ?? 'git-lfs: not installed',
    '',
    `HubHome=${r.hubHome}`,
    `Store=${r.store}`,
    `Endpoint=${r.endpoint ? `${r.endpoint.url} (from ${r.endpoint.from})` : '(none: set HUB_ENDPOINT or run hub login --endpoint URL)'}`,
    `Offline=${r.offline}`,
    `Concurrency=${r.concurrency}`,
    `Retries=${r.retries}`,
  ];
  if (r.repository) {
    out.push('', `Repository=${r.repository.path}`);
    for (const x of r.repository.remotes) {
      out.push(`Remote (${x.name})=${x.url}`);
      out.push(`LfsEndpoint (${x.name})=${x.lfs.download.url} (auth=${x.lfs.download.access}, from ${x.lfs.download.source})`);
      if (x.lfs.upload.url !== x.lfs.download.url) out.push(`LfsPushEndpoint (${x.name})=${x.lfs.upload.url} (auth=${x.lfs.upload.access}, from ${x.lfs.upload.source})`);
      out.push(`Credentials (${x.name})=${x.credentials}`);
    }
  }
  return out.join('\n');
}
