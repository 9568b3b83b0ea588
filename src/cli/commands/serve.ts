/** `hub serve --root DIR [--database postgres://...] [--storage s3://BUCKET[/PREFIX]] [--host 127.0.0.1] [--port 8080] [--public-url URL] [...limits]`: run the hub server. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { action } from '../action.js';
import { hubVersion } from '../version.js';

/** Declares `hub serve`. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('run a hub server (git smart HTTP + Git LFS) on a data folder; no other setup')
    .requiredOption('--root <dir>', 'data folder (created if missing)')
    .option('--database <url>', 'metadata in PostgreSQL, postgres://USER@HOST:PORT/DATABASE, shared by several servers (default: SQLite in the data folder)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 picks a free one)', '8080')
    .option('--no-chunk-transfer', 'offer only the basic LFS transfer (a plain Git LFS server)')
    .option('--public-url <url>', "the server's public base URL for the links it writes (default: from each request's Host header)")
    .option('--idle-timeout <seconds>', 'end a request whose body or answer makes no progress for this long', '30')
    .option('--workers <n>', 'worker threads for hashing and large bodies', '2')
    .option('--max-git <n>', 'git requests at once (per client: a quarter, at least 1)', '32')
    .option('--storage <where>', 'where xorbs and manifests live: local (the root\'s store folder) or s3://BUCKET[/PREFIX]', 'local')
    .option('--s3-endpoint <url>', 'the S3-compatible service (path-style; default: AWS S3 of AWS_REGION)')
    .option('--presigned-downloads', "with S3 storage: Xet reconstructions hand presigned URLs of the bucket (each signed for one byte range), so downloads bypass the server")
    .action(
      action(async (ctx, opts: { root: string; database?: string; host: string; port: string; chunkTransfer: boolean; publicUrl?: string; idleTimeout: string; workers: string; maxGit: string; storage: string; s3Endpoint?: string; presignedDownloads?: boolean }) => {
        const port = Number(opts.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a number from 0 to 65535, not '${opts.port}'`);
        const idle = Number(opts.idleTimeout);
        if (!(idle > 0 && idle <= 86_400)) throw new UsageError(`--idle-timeout takes seconds from 0 to 86400, not '${opts.idleTimeout}'`);
        const workers = Number(opts.workers);
        if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError(`--workers takes a number from 1 to 64, not '${opts.workers}'`);
        const maxGit = Number(opts.maxGit);
        if (!Number.isInteger(maxGit) || maxGit < 1 || maxGit > 4096) throw new UsageError(`--max-git takes a number from 1 to 4096, not '${opts.maxGit}'`);
        const { describeStorage, parseStorageLocation } = await import('../../store/storage-location.js');
        const storage = parseStorageLocation(opts.storage, opts.s3Endpoint);
        if (opts.presignedDownloads && storage.kind !== 's3') throw new UsageError('--presigned-downloads needs --storage s3://BUCKET[/PREFIX]: only an object store presigns URLs', {}, 'bad_storage');
        if (opts.presignedDownloads && !opts.chunkTransfer) throw new UsageError('--presigned-downloads presigns the Xet CAS\'s fetch URLs, which --no-chunk-transfer turns off', {}, 'bad_storage');
        const { parsePublicUrl, startServer } = await import('../../server/app.js');
        const publicUrl = opts.publicUrl === undefined ? undefined : parsePublicUrl(opts.publicUrl);
        const server = await startServer({
          root: resolve(ctx.cwd, opts.root), database: opts.database, host: opts.host, port, version: hubVersion(), chunkTransfer: opts.chunkTransfer, env: ctx.env, log: (line) => ctx.stderr(`${line}\n`),
          publicUrl, idleTimeoutMs: Math.round(idle * 1000), workers, maxGitRequests: maxGit, maxGitRequestsPerClient: Math.max(1, Math.floor(maxGit / 4)), storage, presignedDownloads: opts.presignedDownloads === true,
        });
        // stdout: the admin token (first start only, shown once) then the URL, in this order
        if (ctx.json) ctx.stdout(`${JSON.stringify({ url: server.url, ...(server.adminToken ? { adminToken: server.adminToken } : {}) })}\n`);
        else {
          if (server.adminToken) {
            ctx.stderr('created the first admin token (shown only this once; only its hash is stored):\n');
            ctx.stdout(`admin token: ${server.adminToken}\n`);
          }
          ctx.stdout(`hub serve listening on ${server.url} (root ${resolve(ctx.cwd, opts.root)}${storage.kind === 'local' ? '' : `, storage ${describeStorage(storage)}`})\n`);
        }
        await new Promise<void>((done) => {
          const stop = () => void server.close().then(done);
          process.once('SIGTERM', stop);
          ctx.signal.addEventListener('abort', stop, { once: true });
        });
        ctx.stderr('hub serve stopped\n');
      }),
    );
}
