/**
 * The content store of a test `hub serve` as a test inspects or damages it, wherever it is: the
 * files under ROOT/store, or the bucket of a server on S3 (HUB_TEST_S3=1, or `--storage s3://`
 * given to startHubServe). So the server suites run unchanged against both.
 */
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { S3Objects } from '../../src/store/s3-objects.js';
import { parseStorageLocation, type S3Location } from '../../src/store/storage-location.js';
import type { TestServer } from './hub-server.js';
import { S3_TEST_ENV } from './s3-service.js';

/** A server's stored xorbs and manifests. */
export interface ServerContent {
  /** Every published xorb with its size in bytes. */
  xorbs(): Promise<Map<string, number>>;
  readXorb(xorb: string): Promise<Buffer>;
  /** Replaces a xorb's bytes as they are stored (to damage it, then to put it back). */
  writeXorb(xorb: string, bytes: Uint8Array): Promise<void>;
  /** Takes every manifest out of the server's reach; resolves with the function that puts them back. */
  hideManifests(): Promise<() => Promise<void>>;
}

/** The content of `server`'s store. */
export function serverContent(server: TestServer): ServerContent {
  return server.storage.kind === 's3' ? bucketContent(parseStorageLocation(server.storage.url, server.storage.endpoint) as S3Location) : folderContent(join(server.root, 'store'));
}

/** Total bytes of the server's xorbs. */
export async function storedXorbBytes(server: TestServer): Promise<number> {
  let n = 0;
  for (const bytes of (await serverContent(server).xorbs()).values()) n += bytes;
  return n;
}

function folderContent(store: string): ServerContent {
  const path = (xorb: string) => join(store, 'xorbs', xorb.slice(0, 2), `${xorb}.xorb`);
  return {
    async xorbs() {
      const out = new Map<string, number>();
      for (const rel of readdirSync(join(store, 'xorbs'), { recursive: true, encoding: 'utf8' })) {
        const m = /^[0-9a-f]{2}\/([0-9a-f]{64})\.xorb$/.exec(rel);
        if (m) out.set(m[1], statSync(join(store, 'xorbs', rel)).size);
      }
      return out;
    },
    async readXorb(xorb) {
      return readFileSync(path(xorb));
    },
    async writeXorb(xorb, bytes) {
      chmodSync(path(xorb), 0o644);
      // in place: a worker may hold the file open, and a rename would not change what it reads
      writeFileSync(path(xorb), bytes);
    },
    async hideManifests() {
      const dir = join(store, 'manifests');
      renameSync(dir, `${dir}.away`);
      return async () => renameSync(`${dir}.away`, dir);
    },
  };
}

function bucketContent(location: S3Location): ServerContent {
  const use = async <T>(fn: (o: S3Objects) => Promise<T>): Promise<T> => {
    const objects = new S3Objects(location, S3_TEST_ENV);
    try {
      return await fn(objects);
    } finally {
      objects.close();
    }
  };
  return {
    xorbs: () =>
      use(async (o) => {
        const tables = new Set<string>();
        const out = new Map<string, number>();
        for await (const x of o.list('xorbs/')) {
          const m = /^xorbs\/([0-9a-f]{64})\.(table|xorb)$/.exec(x.name);
          if (m?.[2] === 'table') tables.add(m[1]);
          else if (m && tables.has(m[1])) out.set(m[1], x.size);
        }
        return out;
      }),
    readXorb: (xorb) => use(async (o) => Buffer.from((await o.get(`xorbs/${xorb}.xorb`))!)),
    writeXorb: (xorb, bytes) => use((o) => o.put(`xorbs/${xorb}.xorb`, bytes)),
    hideManifests: () =>
      use(async (o) => {
        const saved = new Map<string, Uint8Array>();
        for await (const m of o.list('manifests/')) saved.set(m.name, (await o.get(m.name))!);
        await o.remove([...saved.keys()]);
        return () => use(async (p) => {
          for (const [name, bytes] of saved) await p.put(name, bytes);
        });
      }),
  };
}
